//! The HTML report in a real browser: hostile markup quoted by findings (in
//! code, comments and a file name) must stay text. Needs headless Chromium
//! (`apt-get install -y chromium`), so it is ignored by default; CI runs it with
//! `cargo test --test report_browser -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repos/xss")
}

/// The fixture plus a file whose name is markup (not committed: Windows
/// cannot check such a name out).
fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    std::fs::copy(fixture().join("app.py"), dir.path().join("\"><svg onload=document.title='pwned'>.py")).unwrap();
    std::fs::write(dir.path().join("<img src=x onerror=document.title='pwned'>.bin"), b"\0binary").unwrap();
    dir
}

fn chromium(user_data: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    let out = Command::new(CHROMIUM)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--hide-scrollbars", "--virtual-time-budget=3000"])
        .arg(format!("--user-data-dir={}", user_data.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
#[ignore = "needs chromium"]
fn hostile_markup_stays_text_in_a_browser() {
    assert!(Path::new(CHROMIUM).exists(), "install chromium: apt-get install -y chromium");
    let tree = hostile_tree();
    let work = tempfile::tempdir().unwrap();
    let page = work.path().join("report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_cipherlint"))
        .args(["scan", ".", "--format", "html", "--quiet", "--output"])
        .arg(&page)
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));

    let profile = tempfile::tempdir().unwrap();
    let dom = String::from_utf8(chromium(profile.path(), &["--dump-dom"], &page).stdout).unwrap();
    // The page loaded and our script ran (the CSP hash matched).
    assert!(dom.contains("findings shown"), "filter script did not run:\n{dom}");
    assert!(dom.contains("<title>cipherlint report</title>"), "title changed:\n{dom}");
    assert!(!dom.contains("pwned</title>"));
    // No injected element exists: the only <script> elements are ours, no <img>
    // at all, and every <svg> is one of our charts.
    assert_eq!(dom.matches("<script").count(), 2, "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert_eq!(dom.matches("<svg").count(), dom.matches("<svg xmlns=\"http://www.w3.org/2000/svg\"").count(), "{dom}");
    assert!(!dom.contains("onload=\"document") && !dom.contains("<svg onload"), "{dom}");
    // ... while the hostile text is shown, escaped, as the finding quoted it.
    assert!(dom.contains("&lt;/script&gt;&lt;img src=x onerror=document.title='pwned'&gt;"), "{dom}");
    assert!(dom.contains("\"&gt;&lt;svg onload=document.title='pwned'&gt;.py"), "{dom}");
    assert!(dom.contains("&lt;img src=x onerror=document.title='pwned'&gt;.bin"), "{dom}");

    let profile = tempfile::tempdir().unwrap();
    let shot = work.path().join("report.png");
    chromium(profile.path(), &["--window-size=1280,1500", &format!("--screenshot={}", shot.display())], &page);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "screenshot looks empty");
    // Refresh docs/report-screenshot.png on request.
    if std::env::var_os("CIPHERLINT_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-screenshot.png"), png).unwrap();
    }
}
