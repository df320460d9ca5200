//! Signing and step-id hashing against values the official SDK produced.

mod common;

use common::vectors::load;
use inngest::signing::{self, KeyUsed, SignatureError, SigningKey, event_key_hash};
use inngest::step_id::{StepHash, StepIdAllocator};
use serde_json::Value;

fn key(value: &Value) -> SigningKey {
    SigningKey::parse(value.as_str().unwrap()).unwrap()
}

fn timestamp_of(header: &str) -> i64 {
    header
        .split('&')
        .find_map(|pair| pair.strip_prefix("t="))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn accepted_signatures_verify_with_the_recorded_key() {
    let vectors = load("signatures.json");
    let primary = key(&vectors["signing_key"]);
    let fallback = key(&vectors["signing_key_fallback"]);

    let cases = vectors["accepted_cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let header = case["signature_header"].as_str().unwrap();
        let body = case["body"].as_str().unwrap_or_default();
        let now = timestamp_of(header);

        let used = signing::verify(
            Some(header),
            body.as_bytes(),
            now,
            &primary,
            Some(&fallback),
        );

        let expected = match case["signing_key_used"].as_str().unwrap() {
            "primary" => KeyUsed::Primary,
            _ => KeyUsed::Fallback,
        };
        assert_eq!(used, Ok(expected), "{}", case["label"]);
        let signer = if expected == KeyUsed::Primary {
            &primary
        } else {
            &fallback
        };
        assert_eq!(
            signer.sign(body.as_bytes(), now),
            header,
            "{}",
            case["label"]
        );
    }
}

#[test]
fn rejected_signatures_fail() {
    let vectors = load("signatures.json");
    let primary = key(&vectors["signing_key"]);

    for case in vectors["rejections"].as_array().unwrap() {
        let header = case["header"].as_str();
        let body = case["body"].as_str().unwrap_or_default();
        let now = header
            .and_then(|header| header.split('&').find_map(|p| p.strip_prefix("t=")))
            .and_then(|t| t.parse().ok())
            .unwrap_or(1_700_000_000);

        let result = signing::verify(header, body.as_bytes(), now, &primary, None);

        assert!(result.is_err(), "{} should be rejected", case["label"]);
    }
}

#[test]
fn canonical_form_is_accepted_when_raw_bytes_differ() {
    let vectors = load("signatures.json");
    let primary = key(&vectors["signing_key"]);
    let case = &vectors["non_canonical_body"];
    let raw = case["raw_body"].as_str().unwrap();
    let now: i64 = case["timestamp"].as_str().unwrap().parse().unwrap();

    let over_jcs = case["header_over_jcs"].as_str().unwrap();
    let over_raw = case["header_over_raw_bytes"].as_str().unwrap();

    assert_eq!(
        signing::verify(Some(over_jcs), raw.as_bytes(), now, &primary, None),
        Ok(KeyUsed::Primary)
    );
    assert_eq!(
        signing::verify(Some(over_raw), raw.as_bytes(), now, &primary, None),
        Ok(KeyUsed::Primary)
    );
}

#[test]
fn window_is_five_minutes_both_ways() {
    let primary = SigningKey::parse("signkey-test-0011").unwrap();
    let header = primary.sign(b"{}", 1_700_000_000);

    assert!(signing::verify(Some(&header), b"{}", 1_700_000_300, &primary, None).is_ok());
    assert!(matches!(
        signing::verify(Some(&header), b"{}", 1_700_000_301, &primary, None),
        Err(SignatureError::Expired { .. })
    ));
    assert!(matches!(
        signing::verify(Some(&header), b"{}", 1_699_999_699, &primary, None),
        Err(SignatureError::Expired { .. })
    ));
}

#[test]
fn hashed_keys_match() {
    let vectors = load("signatures.json");
    let hashed = &vectors["hashed_signing_key"];

    assert_eq!(
        key(&vectors["signing_key"]).hashed(),
        hashed["primary"].as_str().unwrap()
    );
    assert_eq!(
        key(&vectors["signing_key_fallback"]).hashed(),
        hashed["fallback"].as_str().unwrap()
    );
    assert_eq!(
        key(&hashed["spec_example_input"]).hashed(),
        hashed["spec_example_output"].as_str().unwrap()
    );
    assert_eq!(
        event_key_hash(vectors["event_key"].as_str().unwrap()),
        vectors["event_key_hash_sha256_hex"].as_str().unwrap()
    );
}

#[test]
fn invalid_keys_are_rejected_with_the_fix() {
    let error = SigningKey::parse("signkey-prod-not-hex").unwrap_err();
    assert!(error.to_string().contains("not hexadecimal"));
    assert!(SigningKey::parse("signkey-prod-").is_err());
    assert!(SigningKey::parse("").is_err());
}

#[test]
fn step_hashes_match() {
    let vectors = load("step_ids.json");
    for case in vectors["hashes"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        assert_eq!(
            StepHash::of(input).as_str(),
            case["sha1_hex"].as_str().unwrap(),
            "{input:?}"
        );
    }
}

#[test]
fn repeated_ids_resolve_like_the_official_sdk() {
    let vectors = load("step_ids.json");
    let resolution = &vectors["repeated_id_resolution"];
    let mut ids = StepIdAllocator::default();

    for (user_id, expected) in resolution["call_order"]
        .as_array()
        .unwrap()
        .iter()
        .zip(resolution["results"].as_array().unwrap())
    {
        let resolved = ids.allocate(user_id.as_str().unwrap());
        assert_eq!(resolved.final_id, expected["final_id"].as_str().unwrap());
        assert_eq!(resolved.index.map(u64::from), expected["index"].as_u64());
        assert_eq!(
            resolved.hash.as_str(),
            expected["hashed_id"].as_str().unwrap()
        );
    }
}
