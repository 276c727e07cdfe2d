//! Secrets found by the `hardcoded-key` pack never appear in full in any
//! output format unless `--show-secrets` is given.

use std::path::Path;
use std::process::Command;

/// Full secret values planted in `fixtures/*/hardcoded-key/` (each at least
/// 16 characters) that rules with `secret: true` report.
const SECRETS: &[&str] = &[
    // hardcoded-symmetric-key
    "Pv7#kQ2!mZ9$wL4x",
    "a9F3kL0pQ7rT2vX8zB5nM1cE6gH4jW0y",
    "Zr5Tq8Wm2Xn4Vb7Kc1Lp9Hd3Gf6Js0Ya",
    "Hk3Lm9Qw2Er5Ty8Ui1Op4As7Df0Gh6Jk",
    "n0t-so-secret-passphrase-4u",
    "Wc7Xv2Bn5Mq8Lk1Jh4Gf9Ds3Ap6Oi0Uy",
    "Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn",
    "Mn4Bv6Cx8Za0Sd2Fg4Hj6Kl8Qw0Er2Ty",
    "Xp2Lq7Wn4Ko9Jb3Hv6Gc1Fd8Sa5Rz0Tm",
    "Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc",
    // hardcoded-hmac-secret
    "whsec_5Lq9Vt2Xk7Pz0Rb4Nm8Yc1",
    "Tz8#Qe4Lm1Wx7Rb2Vn5Kp0Hs",
    "Yp4Nq8Rt1Vw5Zx9Ac2Df6Gh",
    "Lk2Jh5Gf8Ds1Ap4Oi7Uy0Tr3",
    "Gh6Jk9Lm2Np5Qr8St1Uv4Wx7",
    "Nx4Bv7Cz0Aq3Sw6De9Fr2Gt5",
    "Vb8Nm2Qw5Er9Ty3Ui7Op1As4",
    "Kf5Lg8Mh1Ni4Oj7Pk0Ql3Rm6",
    "Rc5Tv8Yb1Un4Im7Ok0Pl3Qa6Ws9",
    "Zx9Cv8Bn7Mq6Lw5Ke4Rj3Th2",
    // hardcoded-kdf-password
    "Gr33n-Turtl3-Sunset!",
    "Wint3r-Harb0r-Lights",
    "Amb3r-F0x-Riverbank",
    "C0pper-Kettle-Dawn!",
    "Sil3nt-Meadow-Echo#7",
    "Qu13t-Lantern-Harbor",
    "Ivory-T0wer-Pfx-2020",
    "P4per-Lantern-Pfx!",
    "Velvet-Orbit-Canyon",
    // embedded-private-key (key bodies)
    "QyNTUxOQAAACDk2Yq8Lr5Wm3Xc7Vb1Nz9Qt4Hf6Jd0Ks2Pa8Ge3Uy5Rw7Ti1Oe9Lq4Mn6B",
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDQx7Lm2Zr9Tn4Vb8Wc3Yd6Hf1Ja5Ps0Gu7Kq2Lx9Rt4Mz8",
    "Hndv7ZZjs_ke8o9zXYo3iq-Yr8SewI5vrqd0pAvEPqg",
    // cloud-credential
    "Tq8Zr2Lm5Xn9Vb3Tc7Wd1Yf4Hg6Jk0Pa2Sd4Fg6H",
    "ghp_Qw4Er7Ty0Ui3Op6As9Df2Gh5Jk8Lz1Xc4Vb7",
    "xoxb-582910374658-9283746510293-Lm4Nq8Rt2Vw6Zx0Ac3Df7Gh1",
    "sk_live_51Mz8Qr2Lx6Tn4Vb0Wc9Yd3Hf7",
    "Pq7Wn2Lx9Rk4Tz8Vb1Mc5Yd3Hf6Js0Ga4Eu7Io2Ky5Qt9Wr3Zl6Xp1Cn8Bv4Am7Sd0Fg3Hj6Kl9Qw2Er5Ty8Ui",
];

fn scan(format: &str, show_secrets: bool) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cipherlint"));
    cmd.current_dir(root).args(["scan", "fixtures", "--format", format, "--fail-on", "none"]);
    if show_secrets {
        cmd.arg("--show-secrets");
    }
    let out = cmd.output().expect("run cipherlint");
    assert!(out.status.success(), "cipherlint failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// JSON and SARIF escape `/`, `+` or `#` in some encoders; compare both spellings.
fn contains(haystack: &str, secret: &str) -> bool {
    haystack.contains(secret) || haystack.contains(&secret.replace('/', "\\/"))
}

#[test]
fn fixture_secrets_are_present() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut all = String::new();
    for entry in ignore::WalkBuilder::new(&root).hidden(false).build().flatten() {
        if entry.path().to_string_lossy().contains("hardcoded-key") && entry.file_type().is_some_and(|t| t.is_file()) {
            all.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    for s in SECRETS {
        assert!(s.len() >= 16, "{s} is too short to test redaction");
        assert!(all.contains(s), "secret {s} is no longer in the fixtures");
    }
}

#[test]
fn secrets_are_redacted_in_every_format() {
    for format in ["human", "json", "sarif"] {
        let out = scan(format, false);
        assert!(out.contains("redacted"), "{format}: no redaction marker in the output");
        let leaked: Vec<&&str> = SECRETS.iter().filter(|s| contains(&out, s)).collect();
        assert!(leaked.is_empty(), "{format} output prints secrets in full: {leaked:?}");
    }
}

#[test]
fn show_secrets_prints_them() {
    for format in ["human", "json", "sarif"] {
        let out = scan(format, true);
        let shown = SECRETS.iter().filter(|s| contains(&out, s)).count();
        assert!(shown > 0, "{format}: --show-secrets printed none of the secrets");
    }
}
