//! The crypto inventory. An *asset* is one use of a cryptographic algorithm
//! at one place in the code — `Cipher.getInstance("AES/GCM/NoPadding")`,
//! `hashlib.sha256()`, `rsa.GenerateKey(rand.Reader, 2048)` — whether or not
//! any rule thinks it is a problem. Assets come from the `inventory:` map of
//! the rule that matched (the `inventory` pack's `report: false` rules exist
//! only for this), with `{capture}` placeholders filled from the values the
//! engine resolved. [`Algo::from_facts`] then turns those free-form facts
//! into normalised properties (family, primitive, mode, key size, curve...)
//! that compliance profiles ([`crate::policy`]) and the CBOM read.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::finding::Span;

/// One cryptographic asset found in the code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asset {
    pub span: Span,
    /// The rule whose match produced it.
    pub rule_id: String,
    pub in_test: bool,
    /// The source line, as findings show it (already redacted).
    pub snippet: String,
    /// The rule's `inventory:` map with its placeholders filled in.
    pub facts: BTreeMap<String, String>,
    /// The facts, normalised.
    pub algo: Algo,
}

/// The inventory keys a rule may use (`rules/README.md`, "Inventory").
pub const KEYS: [&str; 12] = [
    "primitive",
    "algorithm",
    "api",
    "mode",
    "padding",
    "key_size",
    "curve",
    "hash",
    "iterations",
    "function",
    "library",
    "purpose",
];
/// Keys that older rules use for free-form notes; kept, never interpreted.
pub const NOTE_KEYS: [&str; 1] = ["parameter"];

/// Normalised properties of an asset. `family` is the canonical algorithm
/// name (`AES`, `SHA-256`, `RSA`, `ECDSA`, `HMAC`, `ML-KEM`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Algo {
    pub family: Option<String>,
    /// CycloneDX primitive: block-cipher, stream-cipher, ae, hash, xof, mac,
    /// kdf, signature, pke, key-agree, kem, drbg, other.
    pub primitive: Option<String>,
    /// Lower case CycloneDX spelling (`gcm`, `cbc`, ...) or another mode name.
    pub mode: Option<String>,
    /// `pkcs5`, `pkcs7`, `pkcs1v15`, `oaep`, `raw`, `pss`.
    pub padding: Option<String>,
    /// Key size in bits (modulus size for RSA/DH/DSA), or the parameter set
    /// number for ML-KEM/ML-DSA (`768`, `65`).
    pub key_size: Option<u32>,
    pub curve: Option<String>,
    /// The hash inside an HMAC, a KDF or a signature scheme.
    pub hash: Option<String>,
    pub iterations: Option<u64>,
    /// CycloneDX crypto function: encrypt, decrypt, sign, verify, digest,
    /// tag, keygen, keyderive, encapsulate, decapsulate, generate.
    pub function: Option<String>,
    pub library: Option<String>,
    pub purpose: Option<String>,
}

/// Whether an operation applies protection (encrypt, sign, ...) or processes
/// already-protected data (decrypt, verify): SP 800-131A's two columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Process,
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// Lower case, with every character that is not a letter or digit removed:
/// `AES/GCM/NoPadding` → `aesgcmnopadding`, `EVP_aes_128_gcm` → `evpaes128gcm`.
pub fn compact(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// (pattern on the compact text, family, primitive).
const FAMILIES: &[(&str, &str, &str)] = &[
    (r"sha1prng|nativeprng|drbg", "RNG", "drbg"),
    (r"mlkem|kyber", "ML-KEM", "kem"),
    (r"mldsa|dilithium", "ML-DSA", "signature"),
    (r"slhdsa|sphincs", "SLH-DSA", "signature"),
    (r"xmss", "XMSS", "signature"),
    (r"hsslms|lmots|^lms", "LMS", "signature"),
    (r"ed25519|ed448|eddsa", "EdDSA", "signature"),
    (r"x25519|x448", "ECDH", "key-agree"),
    (r"pbkdf2|rfc2898", "PBKDF2", "kdf"),
    (r"scrypt", "scrypt", "kdf"),
    (r"argon2", "Argon2", "kdf"),
    (r"bcrypt", "bcrypt", "kdf"),
    (r"hkdf", "HKDF", "kdf"),
    (r"chacha20poly1305|chachapoly", "ChaCha20-Poly1305", "ae"),
    (r"hmac", "HMAC", "mac"),
    (r"cmac", "CMAC", "mac"),
    (r"gmac", "GMAC", "mac"),
    (r"kmac", "KMAC", "mac"),
    (r"poly1305", "Poly1305", "mac"),
    (r"chacha", "ChaCha20", "stream-cipher"),
    (r"salsa20", "Salsa20", "stream-cipher"),
    (r"desede|tripledes|3des|des3|tdea|tdes|desnewtripledes", "3DES", "block-cipher"),
    (r"rc4|arcfour|arc4", "RC4", "stream-cipher"),
    (r"rc2|arc2", "RC2", "block-cipher"),
    (r"blowfish", "Blowfish", "block-cipher"),
    (r"idea", "IDEA", "block-cipher"),
    (r"camellia", "Camellia", "block-cipher"),
    (r"sm4", "SM4", "block-cipher"),
    (r"aes", "AES", "block-cipher"),
    (r"des", "DES", "block-cipher"),
    (r"sha3(224|256|384|512)", "SHA3", "hash"),
    (r"shake(128|256)", "SHAKE", "xof"),
    (r"sha512(224|256)", "SHA-512/t", "hash"),
    (r"sha2?(224|256|384|512)", "SHA-2", "hash"),
    (r"sha1|sha0|^sha$", "SHA-1", "hash"),
    (r"md5", "MD5", "hash"),
    (r"md4", "MD4", "hash"),
    (r"md2", "MD2", "hash"),
    (r"ripemd160|rmd160", "RIPEMD-160", "hash"),
    (r"blake2b", "BLAKE2b", "hash"),
    (r"blake2s", "BLAKE2s", "hash"),
    (r"blake3", "BLAKE3", "hash"),
    (r"sm3", "SM3", "hash"),
    (r"ecdsa", "ECDSA", "signature"),
    (r"ecdh", "ECDH", "key-agree"),
    (r"ecies", "ECIES", "pke"),
    (r"rsa", "RSA", "pke"),
    (r"dsa", "DSA", "signature"),
    (r"diffiehellman|ffdhe|^dhe?$|^dh\d", "DH", "key-agree"),
    (r"^ec$|^ec\d|secp|prime\d{3}v1|nistp\d|^p\d{3}$|brainpool|elliptic", "EC", "other"),
    (
        r"sha1prng|drbg|securerandom|urandom|getrandom|osrng|randomnumbergenerator|rngcryptoserviceprovider|randbytes|systemrandom|csprng",
        "RNG",
        "drbg",
    ),
];

fn families() -> &'static Vec<(Regex, &'static str, &'static str)> {
    static F: OnceLock<Vec<(Regex, &'static str, &'static str)>> = OnceLock::new();
    F.get_or_init(|| FAMILIES.iter().map(|(p, f, k)| (re(p), *f, *k)).collect())
}

/// A hash named anywhere in `c` (compact text), with its canonical name.
fn hash_in(c: &str) -> Option<String> {
    static H: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let table = H.get_or_init(|| {
        vec![
            (re(r"sha3(224|256|384|512)"), "SHA3-"),
            (re(r"sha512(224|256)"), "SHA-512/"),
            (re(r"sha2?(224|256|384|512)"), "SHA-"),
            (re(r"sha1|^sha$|withsha$|hmacsha$"), "SHA-1"),
            (re(r"md5"), "MD5"),
            (re(r"md4"), "MD4"),
            (re(r"ripemd160"), "RIPEMD-160"),
            (re(r"blake2b"), "BLAKE2b"),
            (re(r"sm3"), "SM3"),
        ]
    });
    for (r, name) in table {
        if let Some(m) = r.captures(c) {
            return Some(match m.get(1) {
                Some(g) => format!("{name}{}", g.as_str()),
                None => (*name).to_string(),
            });
        }
    }
    None
}

/// Canonical curve name of a curve spelling, if it names one.
pub fn curve_in(raw: &str) -> Option<String> {
    let c = compact(raw);
    static C: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let table = C.get_or_init(|| {
        vec![
            (re(r"secp256k1"), "secp256k1"),
            (re(r"p192|secp192r1|prime192v1"), "P-192"),
            (re(r"p224|secp224r1"), "P-224"),
            (re(r"p256|secp256r1|prime256v1"), "P-256"),
            (re(r"p384|secp384r1"), "P-384"),
            (re(r"p521|secp521r1"), "P-521"),
            (re(r"brainpoolp256"), "brainpoolP256r1"),
            (re(r"brainpoolp384"), "brainpoolP384r1"),
            (re(r"brainpoolp512"), "brainpoolP512r1"),
            (re(r"ed25519"), "Ed25519"),
            (re(r"x25519|curve25519"), "Curve25519"),
            (re(r"ed448"), "Ed448"),
            (re(r"x448|curve448"), "Curve448"),
        ]
    });
    table.iter().find(|(r, _)| r.is_match(&c)).map(|(_, n)| (*n).to_string())
}

fn mode_in(c: &str) -> Option<String> {
    static M: OnceLock<Regex> = OnceLock::new();
    let r = M.get_or_init(|| re(r"(gcm|ccm|cbc|ctr|ecb|cfb|ofb|xts|siv|ocb|kwp|kw)"));
    r.captures(c).map(|m| m[1].to_string())
}

fn padding_in(c: &str) -> Option<String> {
    if c.contains("oaep") {
        Some("oaep".into())
    } else if c.contains("pss") {
        Some("pss".into())
    } else if c.contains("nopadding") || c == "none" || c == "raw" {
        Some("raw".into())
    } else if c.contains("pkcs1") {
        Some("pkcs1v15".into())
    } else if c.contains("pkcs5") {
        Some("pkcs5".into())
    } else if c.contains("pkcs7") {
        Some("pkcs7".into())
    } else {
        None
    }
}

fn function_of(c: &str) -> Option<&'static str> {
    let table: [(&str, &str); 14] = [
        ("decapsulat", "decapsulate"),
        ("encapsulat", "encapsulate"),
        ("decrypt", "decrypt"),
        ("decipher", "decrypt"),
        ("encrypt", "encrypt"),
        ("createcipher", "encrypt"),
        ("verif", "verify"),
        ("sign", "sign"),
        ("keypair", "keygen"),
        ("generatekey", "keygen"),
        ("keygen", "keygen"),
        ("derive", "keyderive"),
        ("digest", "digest"),
        ("hash", "digest"),
    ];
    table.iter().find(|(k, _)| c.contains(k)).map(|(_, f)| *f)
}

/// Primitive hinted by an API name (`MessageDigest`, `Signature`, `createHmac`).
fn primitive_of_api(c: &str) -> Option<&'static str> {
    let table: [(&str, &str); 10] = [
        ("keyagreement", "key-agree"),
        ("ecdh", "key-agree"),
        ("secretkeyfactory", "kdf"),
        ("pbkdf", "kdf"),
        ("signature", "signature"),
        ("sign", "signature"),
        ("hmac", "mac"),
        ("mac", "mac"),
        ("messagedigest", "hash"),
        ("hash", "hash"),
    ];
    table.iter().find(|(k, _)| c.contains(k)).map(|(_, p)| *p)
}

fn canonical_primitive(p: &str) -> Option<String> {
    let p = p.trim().to_ascii_lowercase();
    let v = match p.as_str() {
        "block-cipher" | "symmetric-cipher" | "block-cipher-mode" | "cipher" => "block-cipher",
        "stream-cipher" => "stream-cipher",
        "ae" | "aead" => "ae",
        "hash" | "digest" => "hash",
        "xof" => "xof",
        "mac" => "mac",
        "kdf" | "password-hash" => "kdf",
        "signature" => "signature",
        "pke" | "asymmetric-encryption" => "pke",
        "key-agree" | "key-agreement" | "kex" => "key-agree",
        "kem" => "kem",
        "rng" | "drbg" => "drbg",
        "asymmetric" => "other",
        _ => return None,
    };
    Some(v.to_string())
}

fn number(s: &str) -> Option<u64> {
    let t: String = s.trim().chars().filter(|c| *c != '_').collect();
    t.parse::<u64>().ok().or_else(|| t.parse::<f64>().ok().filter(|f| *f >= 0.0).map(|f| f as u64))
}

impl Algo {
    /// Normalises a rule's rendered `inventory:` facts.
    pub fn from_facts(facts: &BTreeMap<String, String>) -> Algo {
        let mut a = Algo::default();
        let raw =
            facts.get("algorithm").map(|s| s.trim().trim_matches(['"', '\'', '`']).to_string()).unwrap_or_default();
        let c = compact(&raw);
        let api = facts.get("api").map(|s| compact(s)).unwrap_or_default();
        // Java signature names: SHA256withECDSA, SHA384withRSA/PSS, SHA256withRSAandMGF1.
        let sig = re(r"^(.*?)with(rsa|ecdsa|dsa|plainecdsa|ecdsainp1363format)(.*)$");
        if let Some(m) = sig.captures(&c) {
            a.family = Some(
                match &m[2] {
                    "rsa" => "RSA",
                    "dsa" => "DSA",
                    _ => "ECDSA",
                }
                .into(),
            );
            a.primitive = Some("signature".into());
            a.hash = hash_in(&m[1]);
            if m[3].contains("pss") || m[3].contains("mgf1") {
                a.padding = Some("pss".into());
            }
        } else if !c.is_empty() {
            // The leftmost name wins (`ECDSA_P256_SHA256` is ECDSA, not SHA-256);
            // ties go to the earlier table entry (`desede` is 3DES, not DES).
            let best = families()
                .iter()
                .filter_map(|(r, f, p)| r.find(&c).map(|m| (m.start(), m, *f, *p)))
                .min_by_key(|(s, ..)| *s);
            if let Some((_, m, fam, prim)) = best {
                let fam = &fam;
                let prim = &prim;
                {
                    a.family = Some((*fam).to_string());
                    a.primitive = Some((*prim).to_string());
                    let rest = &c[m.end()..];
                    match *fam {
                        "SHA3" | "SHA-2" | "SHA-512/t" | "SHA-1" | "SHAKE" => {
                            a.family = hash_in(&c).or(Some(fam.to_string()))
                        }
                        "HMAC" | "PBKDF2" | "HKDF" => a.hash = hash_in(rest).or_else(|| hash_in(&c[..m.start()])),
                        "ML-KEM" => a.key_size = re(r"(512|768|1024)").captures(rest).and_then(|g| g[1].parse().ok()),
                        "ML-DSA" => a.key_size = re(r"(44|65|87)").captures(rest).and_then(|g| g[1].parse().ok()),
                        "AES" | "Camellia" | "ChaCha20-Poly1305" | "3DES" | "DES" | "SM4" | "Blowfish" => {
                            if *fam == "AES" || *fam == "Camellia" {
                                a.key_size =
                                    re(r"^\D{0,4}(128|192|256)").captures(rest).and_then(|g| g[1].parse().ok());
                            }
                            if *fam == "3DES" {
                                a.key_size = Some(168);
                            }
                            if *fam == "DES" {
                                a.key_size = Some(56);
                            }
                            a.mode = mode_in(rest);
                            if matches!(a.mode.as_deref(), Some("gcm" | "ccm" | "siv" | "ocb")) {
                                a.primitive = Some("ae".into());
                            }
                        }
                        "RSA" | "DH" | "DSA" => {
                            a.key_size = re(r"(\d{3,5})").captures(rest).and_then(|g| g[1].parse().ok())
                        }
                        "ECDSA" | "ECDH" | "EC" | "EdDSA" => a.hash = hash_in(rest),
                        _ => {}
                    }
                }
            }
            a.padding = a.padding.take().or_else(|| padding_in(&c));
            if a.family.as_deref() == Some("RSA") && a.padding.as_deref() == Some("pss") {
                a.primitive = Some("signature".into());
            }
            a.curve = curve_in(&raw);
        }
        // Explicit facts win over what the name implies.
        if let Some(p) = facts.get("primitive").and_then(|p| canonical_primitive(p)) {
            let generic = matches!(p.as_str(), "block-cipher" | "other");
            if a.primitive.is_none() || !generic {
                a.primitive = Some(p);
            }
        } else if let Some(p) = primitive_of_api(&api) {
            // A KDF stays a KDF; an API that hashes does not relabel a named algorithm.
            let keep = (a.primitive.as_deref() == Some("kdf") && p != "kdf") || (p == "hash" && a.primitive.is_some());
            if !keep {
                a.primitive = Some(p.into());
            }
        }
        if let Some(m) = facts.get("mode").map(|m| compact(m)).filter(|m| !m.is_empty()) {
            a.mode = mode_in(&m).or(Some(m.trim_start_matches("mode").to_string()));
            if matches!(a.mode.as_deref(), Some("gcm" | "ccm" | "siv" | "ocb")) {
                a.primitive = Some("ae".into());
            }
        }
        if let Some(p) = facts.get("padding").map(|p| compact(p)).and_then(|p| padding_in(&p)) {
            a.padding = Some(p);
        }
        if let Some(n) = facts.get("key_size").and_then(|k| number(k)) {
            // Byte lengths (16/24/32) of symmetric keys are turned into bits.
            let symmetric = matches!(a.family.as_deref(), Some("AES" | "Camellia" | "ChaCha20-Poly1305"));
            let bits = if symmetric && matches!(n, 16 | 24 | 32) { n * 8 } else { n };
            a.key_size = u32::try_from(bits).ok();
        }
        if let Some(cv) = facts.get("curve").and_then(|c| curve_in(c)) {
            a.curve = Some(cv);
        }
        if a.curve.is_none() && a.family.as_deref() == Some("EdDSA") {
            a.curve = Some(if c.contains("448") { "Ed448" } else { "Ed25519" }.into());
        }
        if a.family.is_none() && a.curve.is_some() {
            a.family = Some("EC".into());
            a.primitive.get_or_insert_with(|| "other".into());
        }
        if let Some(h) = facts.get("hash").and_then(|h| hash_in(&compact(h))) {
            a.hash = Some(h);
        }
        if let Some(n) = facts.get("iterations").and_then(|i| number(i)) {
            a.iterations = Some(n);
        }
        a.function = facts
            .get("function")
            .map(|f| compact(f))
            .and_then(|f| function_of(&f).map(str::to_string).or(Some(f)))
            .or_else(|| function_of(&api).map(str::to_string));
        a.library = facts.get("library").cloned();
        a.purpose = facts.get("purpose").cloned();
        if a.family.is_none() && a.primitive.is_some() && raw.is_empty() {
            // A reporting rule's bare `primitive:` fact: nothing to name.
        }
        a
    }

    /// A display name: `AES-256-GCM`, `RSA-2048`, `ECDSA-P-256`, `HMAC-SHA-256`.
    pub fn name(&self) -> String {
        let Some(fam) = &self.family else { return "unknown".into() };
        let mut n = fam.clone();
        match fam.as_str() {
            "HMAC" | "PBKDF2" | "HKDF" => {
                if let Some(h) = &self.hash {
                    n.push('-');
                    n.push_str(h);
                }
            }
            "ECDSA" | "ECDH" | "EC" | "EdDSA" => {
                if let Some(c) = &self.curve {
                    n.push('-');
                    n.push_str(c);
                }
            }
            _ => {
                if let Some(k) = self.key_size {
                    if !matches!(fam.as_str(), "3DES" | "DES") {
                        n.push_str(&format!("-{k}"));
                    }
                }
            }
        }
        if let Some(m) = &self.mode {
            n.push('-');
            n.push_str(&m.to_ascii_uppercase());
        }
        if self.primitive.as_deref() == Some("signature") && matches!(fam.as_str(), "RSA" | "DSA" | "ECDSA") {
            if let Some(h) = &self.hash {
                n = format!("{h}with{n}");
            }
        }
        if let Some(p) = &self.padding {
            if matches!(fam.as_str(), "RSA") {
                n.push('-');
                n.push_str(&p.to_ascii_uppercase());
            }
        }
        n
    }

    pub fn operation(&self) -> Operation {
        match self.function.as_deref() {
            Some("decrypt" | "verify" | "decapsulate") => Operation::Process,
            _ => Operation::Apply,
        }
    }

    /// Classical security strength in bits (SP 800-57 Part 1, Table 2 for
    /// key sizes; half the digest for collision resistance of hashes).
    pub fn security_bits(&self) -> Option<u32> {
        let fam = self.family.as_deref()?;
        let ff = |k: u32| match k {
            k if k >= 15360 => 256,
            k if k >= 7680 => 192,
            k if k >= 3072 => 128,
            k if k >= 2048 => 112,
            k if k >= 1024 => 80,
            _ => 0,
        };
        let curve = |c: &str| match c {
            "P-192" => Some(96),
            "P-224" => Some(112),
            "P-256" | "secp256k1" | "brainpoolP256r1" | "Curve25519" | "Ed25519" => Some(128),
            "P-384" | "brainpoolP384r1" => Some(192),
            "Curve448" | "Ed448" => Some(224),
            "P-521" | "brainpoolP512r1" => Some(256),
            _ => None,
        };
        match fam {
            "AES" | "Camellia" => self.key_size,
            "ChaCha20-Poly1305" | "ChaCha20" => Some(256),
            "3DES" => Some(112),
            "DES" | "RC4" | "RC2" | "Blowfish" | "IDEA" => Some(56),
            "RSA" | "DH" | "DSA" => self.key_size.map(ff),
            "ECDSA" | "ECDH" | "EC" | "EdDSA" => self.curve.as_deref().and_then(curve),
            "SHA-1" | "MD5" | "MD4" | "MD2" => Some(0),
            f if f.starts_with("SHA-") || f.starts_with("SHA3-") => {
                let n: u32 = f.rsplit(['-', '/']).next()?.parse().ok()?;
                Some(n / 2)
            }
            _ => None,
        }
    }

    /// Quantum-vulnerable public-key use (Shor): RSA, DH, DSA and every
    /// elliptic-curve scheme.
    pub fn quantum_vulnerable(&self) -> bool {
        matches!(self.family.as_deref(), Some("RSA" | "DH" | "DSA" | "ECDSA" | "ECDH" | "EC" | "EdDSA" | "ECIES"))
    }

    /// What a quantum-vulnerable use should migrate to.
    pub fn pq_replacement(&self) -> &'static str {
        let signing = self.primitive.as_deref() == Some("signature")
            || matches!(self.function.as_deref(), Some("sign" | "verify"));
        let kex = matches!(self.primitive.as_deref(), Some("key-agree" | "pke" | "kem"))
            || matches!(self.function.as_deref(), Some("encrypt" | "decrypt" | "keyderive"));
        if signing {
            "ML-DSA (FIPS 204) or SLH-DSA (FIPS 205); LMS/XMSS for firmware signing"
        } else if kex {
            "ML-KEM (FIPS 203), in a hybrid with the classical scheme during migration"
        } else {
            "ML-KEM (FIPS 203) for key establishment or ML-DSA (FIPS 204) for signatures, depending on use"
        }
    }
}

/// A placeholder of an inventory template: `{name}` or, optional, `{name?}`.
pub fn template_placeholders(template: &str) -> Vec<(String, bool)> {
    let r = re(r"\{([A-Za-z_][A-Za-z0-9_]*)(\?)?\}");
    r.captures_iter(template).map(|c| (c[1].to_string(), c.get(2).is_some())).collect()
}

/// Fills a template; `None` when a placeholder has no value (the key is then
/// left out of the asset).
pub fn fill_template(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let r = re(r"\{([A-Za-z_][A-Za-z0-9_]*)(\?)?\}");
    let mut out = String::new();
    let mut last = 0;
    for c in r.captures_iter(template) {
        let m = c.get(0).unwrap();
        out.push_str(&template[last..m.start()]);
        let v = value(&c[1])?;
        out.push_str(&v);
        last = m.end();
    }
    out.push_str(&template[last..]);
    let t = out.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// One asset per rule and place.
pub fn dedup(assets: &mut Vec<Asset>) {
    // Several patterns of one rule may match the same place; keep the one
    // that learnt the most (mode, key size, ...).
    assets.sort_by(|a, b| {
        (&a.rule_id, a.span.bytes, std::cmp::Reverse(a.facts.len())).cmp(&(
            &b.rule_id,
            b.span.bytes,
            std::cmp::Reverse(b.facts.len()),
        ))
    });
    assets.dedup_by(|a, b| a.rule_id == b.rule_id && a.span.bytes == b.span.bytes);
    assets.sort();
}

/// The asset a finding at `path:line` is about, if any.
pub fn at<'a>(assets: &'a [Asset], path: &str, line: usize) -> Option<&'a Asset> {
    assets
        .iter()
        .filter(|a| a.span.path == path && a.span.start.line <= line && line <= a.span.end.line.max(a.span.start.line))
        .max_by_key(|a| (a.algo.family.is_some(), a.facts.len()))
}

/// Post-quantum readiness: quantum-vulnerable public-key uses, grouped by
/// what they should migrate to.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PqSummary {
    pub assets_total: usize,
    pub quantum_vulnerable: usize,
    pub groups: Vec<PqGroup>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PqGroup {
    pub migrate_to: String,
    pub count: usize,
    pub uses: Vec<PqUse>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PqUse {
    pub algorithm: String,
    pub path: String,
    pub line: usize,
}

pub fn pq_summary(assets: &[Asset]) -> PqSummary {
    let named: Vec<&Asset> = assets.iter().filter(|a| a.algo.family.is_some()).collect();
    let mut groups: BTreeMap<&'static str, Vec<PqUse>> = BTreeMap::new();
    for a in named.iter().filter(|a| a.algo.quantum_vulnerable()) {
        groups.entry(a.algo.pq_replacement()).or_default().push(PqUse {
            algorithm: a.algo.name(),
            path: a.span.path.clone(),
            line: a.span.start.line,
        });
    }
    let mut out = PqSummary { assets_total: named.len(), ..PqSummary::default() };
    for (k, mut uses) in groups {
        uses.sort_by(|a, b| (&a.path, a.line, &a.algorithm).cmp(&(&b.path, b.line, &b.algorithm)));
        uses.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.algorithm == b.algorithm);
        out.quantum_vulnerable += uses.len();
        out.groups.push(PqGroup { migrate_to: k.to_string(), count: uses.len(), uses });
    }
    out
}

impl PqSummary {
    pub fn human(&self) -> String {
        let mut s = format!(
            "post-quantum readiness: {} of {} cryptographic assets are quantum-vulnerable public-key uses\n",
            self.quantum_vulnerable, self.assets_total
        );
        for g in &self.groups {
            s.push_str(&format!("  migrate to {}: {}\n", g.migrate_to, g.count));
            for u in &g.uses {
                s.push_str(&format!("    {}:{}  {}\n", u.path, u.line, u.algorithm));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algo(alg: &str) -> Algo {
        let mut f = BTreeMap::new();
        f.insert("algorithm".to_string(), alg.to_string());
        Algo::from_facts(&f)
    }

    #[test]
    fn names_normalise() {
        assert_eq!(algo("AES/GCM/NoPadding").name(), "AES-GCM");
        assert_eq!(algo("aes-128-gcm").name(), "AES-128-GCM");
        assert_eq!(algo("EVP_aes_256_cbc").name(), "AES-256-CBC");
        assert_eq!(algo("Aes256Gcm").key_size, Some(256));
        assert_eq!(algo("SHA256withRSA").name(), "SHA-256withRSA");
        assert_eq!(algo("hashlib.sha256").family.as_deref(), Some("SHA-256"));
        assert_eq!(algo("sha1.New").family.as_deref(), Some("SHA-1"));
        assert_eq!(algo("SHA").family.as_deref(), Some("SHA-1"));
        assert_eq!(algo("HmacSHA256").name(), "HMAC-SHA-256");
        assert_eq!(algo("PBKDF2WithHmacSHA256").name(), "PBKDF2-SHA-256");
        assert_eq!(algo("DESede/CBC/PKCS5Padding").family.as_deref(), Some("3DES"));
        assert_eq!(algo("RSA/ECB/OAEPWithSHA-256AndMGF1Padding").padding.as_deref(), Some("oaep"));
        assert_eq!(algo("prime256v1").curve.as_deref(), Some("P-256"));
        assert_eq!(algo("ML-KEM-768").key_size, Some(768));
        assert_eq!(algo("chacha20-poly1305").primitive.as_deref(), Some("ae"));
        assert_eq!(algo("Ed25519").curve.as_deref(), Some("Ed25519"));
        assert_eq!(algo("sha3_256").family.as_deref(), Some("SHA3-256"));
    }

    #[test]
    fn security_strengths() {
        let mut f = BTreeMap::new();
        f.insert("algorithm".to_string(), "rsa".to_string());
        f.insert("key_size".to_string(), "2048".to_string());
        assert_eq!(Algo::from_facts(&f).security_bits(), Some(112));
        assert_eq!(algo("aes-128-gcm").security_bits(), Some(128));
        assert_eq!(algo("secp384r1").security_bits(), Some(192));
    }

    #[test]
    fn templates() {
        assert_eq!(template_placeholders("{alg}-{bits?}"), vec![("alg".into(), false), ("bits".into(), true)]);
        let v = |n: &str| (n == "alg").then(|| "AES".to_string());
        assert_eq!(fill_template("{alg}", v), Some("AES".into()));
        assert_eq!(fill_template("{bits?}", v), None);
    }
}
