//! HTML output: one self-contained page (no network, no fonts, no CDN) with
//! inline-SVG summary charts, a filterable findings table and the scan's own
//! facts.
//!
//! Everything shown comes from code under audit, which may be hostile: every
//! string goes through [`escape`] (element text and attribute values), the
//! data the filter script reads sits in a `<script type="application/json">`
//! block with `<`, `>`, `&`, U+2028 and U+2029 escaped so nothing can close
//! the element, and a Content-Security-Policy allows only our own script, by
//! its hash. The script only reads `textContent` and toggles `hidden`; it never
//! builds markup from data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::finding::{Finding, Related};
use crate::lang::Language;
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanReport;

/// The filter script. Its SHA-256 goes into the CSP, so any edit here is
/// picked up automatically; it must stay free of data (data is in JSON).
const SCRIPT: &str = r#"
(function () {
  var data = JSON.parse(document.getElementById("cl-data").textContent);
  var rows = document.querySelectorAll("tr.finding");
  var fields = ["category", "severity", "rule"];
  var path = document.getElementById("f-path");
  function apply() {
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var d = data[+rows[i].getAttribute("data-i")];
      var ok = fields.every(function (f) {
        var v = document.getElementById("f-" + f).value;
        return !v || d[f] === v;
      }) && (!path.value || d.path.indexOf(path.value) >= 0);
      rows[i].hidden = !ok;
      if (ok) shown++;
    }
    document.getElementById("f-count").textContent = shown + " of " + rows.length + " findings shown";
  }
  fields.forEach(function (f) {
    var sel = document.getElementById("f-" + f);
    var seen = {};
    data.map(function (d) { return d[f]; }).sort().forEach(function (v) {
      if (seen[v]) return;
      seen[v] = true;
      var o = document.createElement("option");
      o.value = v;
      o.textContent = v;
      sel.appendChild(o);
    });
    sel.addEventListener("change", apply);
  });
  path.addEventListener("input", apply);
  document.getElementById("f-form").hidden = false;
  apply();
})();
"#;

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#1b1f24;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #d0d7de}
.facts{color:#57606a}.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart h3{font-size:.95em;margin:.3em 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3em .5em;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa}td code{white-space:nowrap}td.where code{white-space:normal}code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:.4em .5em;margin:.3em 0;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
mark{background:#ffd33d66;outline:1px solid #d4a72c}.sev{font-weight:600;padding:0 .4em;border-radius:3px;color:#fff}
.sev-critical{background:#82071e}.sev-high{background:#cf222e}.sev-medium{background:#bc4c00}.sev-low{background:#6e7781}.sev-info{background:#0969da}
form{margin:.5em 0 1em;display:flex;gap:.8em;flex-wrap:wrap}details summary{cursor:pointer}.where{word-break:break-all}
ol,ul{margin:.3em 0;padding-left:1.5em}.muted{color:#57606a}
"#;

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is inert inside a `<script>` element: the escaped characters are
/// only ever inside JSON strings, where `\uXXXX` means the same thing.
pub fn script_json(v: &serde_json::Value) -> String {
    let raw = v.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (for the CSP hash source; the crate has no other use for it).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The CSP: nothing may load, only inline styles and our own script run.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{}'",
        base64(&Sha256::digest(SCRIPT.as_bytes()))
    )
}

fn language_of(path: &str) -> &'static str {
    Language::detect(Path::new(path), b"").map_or("other", Language::name)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s.chars().rev().take(n - 1).collect::<Vec<_>>().into_iter().rev().collect();
        format!("…{tail}")
    }
}

/// A horizontal bar chart; labels are escaped, long ones shortened with the
/// full text in a `<title>` tooltip.
fn bar_chart(title: &str, bars: &[(String, usize)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (190, 170, 20);
    let height = (bars.len().max(1) * row_h + 4) as u32;
    let mut s = format!(
        "<div class=\"chart\"><h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape(title),
        label_w + bar_w + 50,
        escape(title)
    );
    if bars.is_empty() {
        s.push_str("<text x=\"0\" y=\"15\" fill=\"#57606a\" font-size=\"12\">none</text>");
    }
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = i * row_h;
        let w = (n * bar_w / max).max(1);
        s.push_str(&format!(
            "<g><title>{}: {n}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1b1f24\">{}</text>\
             <rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"#0969da\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1b1f24\">{n}</text></g>",
            escape(label),
            label_w - 6,
            y + 14,
            escape(&truncate(label, 28)),
            label_w,
            y + 3,
            row_h - 6,
            label_w + w + 4,
            y + 14
        ));
    }
    s.push_str("</svg></div>");
    s
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn counts<'a>(items: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The snippet with the matched columns in `<mark>`. A redacted line no
/// longer lines up with the columns, so it is shown without a mark.
fn snippet_html(f: &Finding) -> String {
    let chars: Vec<char> = f.snippet.chars().collect();
    if f.snippet.contains("[redacted") || f.span.start.col == 0 {
        return escape(&f.snippet);
    }
    let start = (f.span.start.col - 1).min(chars.len());
    let end = if f.span.end.line == f.span.start.line {
        (f.span.end.col.saturating_sub(1)).min(chars.len())
    } else {
        chars.len()
    };
    let end = end.max(start);
    let part = |a: usize, b: usize| escape(&chars[a..b].iter().collect::<String>());
    format!("{}<mark>{}</mark>{}", part(0, start), part(start, end), part(end, chars.len()))
}

fn place(r: &Related) -> String {
    format!(
        "<code class=\"where\">{}:{}:{}</code> {}",
        escape(&r.span.path),
        r.span.start.line,
        r.span.start.col,
        escape(&r.message)
    )
}

fn finding_row(i: usize, f: &Finding, category: &str) -> String {
    let sev = f.severity.as_str();
    let mut s = format!(
        "<tr class=\"finding\" data-i=\"{i}\"><td><span class=\"sev sev-{sev}\">{sev}</span></td><td><code>{}</code><br><span class=\"muted\">{}</span></td>\
         <td class=\"where\"><code>{}:{}:{}</code></td><td><div>{}</div><pre>{}</pre>",
        escape(&f.rule_id),
        escape(category),
        escape(&f.span.path),
        f.span.start.line,
        f.span.start.col,
        escape(&f.message),
        snippet_html(f)
    );
    let evidence = f.related.len() + f.flow.len();
    s.push_str(&format!(
        "<details{}><summary>{}</summary>",
        if evidence > 0 { " open" } else { "" },
        if evidence > 0 { "Evidence" } else { "Details" }
    ));
    if let Some(scope) = &f.scope {
        s.push_str(&format!("<div class=\"muted\">in <code>{}</code></div>", escape(scope)));
    }
    if !f.related.is_empty() {
        s.push_str("<div>Related locations:</div><ul>");
        for r in &f.related {
            s.push_str(&format!("<li>{}</li>", place(r)));
        }
        s.push_str("</ul>");
    }
    if !f.flow.is_empty() {
        s.push_str("<div>Evidence chain (source → sink):</div><ol>");
        for r in &f.flow {
            s.push_str(&format!("<li>{}</li>", place(r)));
        }
        s.push_str("</ol>");
    }
    s.push_str(&format!(
        "<div class=\"muted\">fingerprint <code>{}</code>{}</div></details></td></tr>\n",
        escape(&f.fingerprint),
        if f.in_test { " · in test code" } else { "" }
    ));
    s
}

pub fn write(report: &ScanReport, rules: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let category = |f: &Finding| rules.rules.get(f.rule).map_or("", |r| r.category.as_str());
    // Suppressed findings are counted in the facts line, not listed (as in
    // the human and Markdown formats; JSON and SARIF keep them).
    let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.suppression.is_none()).collect();
    let suppressed = report.findings.len() - findings.len();
    let data: Vec<serde_json::Value> = findings
        .iter()
        .copied()
        .map(|f| json!({"category": category(f), "severity": f.severity.as_str(), "rule": f.rule_id, "path": f.span.path}))
        .collect();

    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
        escape(&content_security_policy())
    ));
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>cipherlint report</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style></head><body>\n<h1>cipherlint report</h1>\n");
    h.push_str(&format!(
        "<p class=\"facts\">cipherlint {} · {} finding{}{} · {} files scanned ({} parsed), {} skipped · {} rules</p>\n",
        env!("CARGO_PKG_VERSION"),
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        if suppressed > 0 { format!(" ({suppressed} suppressed, not listed)") } else { String::new() },
        report.files_scanned,
        report.files_parsed,
        report.files_skipped,
        rules.rules.len()
    ));

    // Summary charts.
    h.push_str("<h2>Summary</h2><div class=\"charts\">\n");
    let by_sev: Vec<(String, usize)> = Severity::ALL
        .iter()
        .rev()
        .map(|s| (s.as_str().to_string(), findings.iter().filter(|f| f.severity == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    h.push_str(&bar_chart("Findings by severity", &by_sev));
    h.push_str(&bar_chart("Findings by category", &counts(findings.iter().map(|f| category(f)))));
    h.push_str(&bar_chart("Findings by language", &counts(findings.iter().map(|f| language_of(&f.span.path)))));
    let mut top_rules = counts(findings.iter().map(|f| f.rule_id.as_str()));
    top_rules.truncate(10);
    h.push_str(&bar_chart("Top rules", &top_rules));
    let mut hot = counts(findings.iter().map(|f| f.span.path.as_str()));
    hot.truncate(10);
    h.push_str(&bar_chart("Hot files", &hot));
    h.push_str("</div>\n");

    // Findings, filterable once the script has run (the form stays hidden without it).
    h.push_str("<h2>Findings</h2>\n<form id=\"f-form\" hidden>");
    for (id, label) in [("category", "Category"), ("severity", "Severity"), ("rule", "Rule")] {
        h.push_str(&format!("<label>{label} <select id=\"f-{id}\"><option value=\"\">all</option></select></label>"));
    }
    h.push_str("<label>Path contains <input id=\"f-path\" type=\"search\"></label><span id=\"f-count\" class=\"muted\"></span></form>\n");
    if findings.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    }
    h.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>Rule</th><th>Location</th><th>Finding</th></tr></thead><tbody>\n");
    for (i, f) in findings.iter().enumerate() {
        h.push_str(&finding_row(i, f, category(f)));
    }
    h.push_str("</tbody></table>\n");

    // The scan's own facts.
    h.push_str("<h2>Files not scanned, or scanned with a caveat</h2>\n");
    if report.notices.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table><thead><tr><th>Path</th><th>Status</th><th>Reason</th></tr></thead><tbody>\n");
        for n in &report.notices {
            h.push_str(&format!(
                "<tr><td class=\"where\"><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                escape(&n.path),
                if n.skipped { "skipped" } else { "scanned" },
                escape(&n.message)
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>Rules that ran</h2>\n<table><thead><tr><th>Rule</th><th>Title</th><th>Pack</th><th>Category</th><th>Severity</th><th>CWE</th><th>Languages</th></tr></thead><tbody>\n");
    for r in &rules.rules {
        h.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.id),
            escape(&r.title),
            escape(&r.pack),
            escape(&r.category),
            r.severity.as_str(),
            escape(&r.cwe.join(", ")),
            escape(&dedup(r.languages()).join(", "))
        ));
    }
    h.push_str("</tbody></table>\n");

    h.push_str("<script type=\"application/json\" id=\"cl-data\">");
    h.push_str(&script_json(&serde_json::Value::Array(data)));
    h.push_str("</script>\n<script>");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body></html>\n");
    out.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"</script><img src=x onerror="a('b')">&"#),
            "&lt;/script&gt;&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = json!({"p": "</script><!-- \u{2028}\u{2029} & >"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn csp_hashes_the_script() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'"));
        assert!(csp.contains(&format!("'sha256-{}'", base64(&Sha256::digest(SCRIPT.as_bytes())))));
        assert!(!csp.contains("script-src 'unsafe-inline'"));
    }

    #[test]
    fn related_locations_and_flow_are_shown_escaped() {
        use crate::finding::{Pos, Span};
        let rules = RuleSet::compile(RuleSet::embedded_sources()).unwrap();
        let span = |path: &str, line| Span {
            path: path.into(),
            start: Pos { line, col: 5 },
            end: Pos { line, col: 8 },
            bytes: (0, 0),
        };
        let hostile = "<img src=x onerror=alert(1)>";
        let f = Finding {
            rule: 0,
            rule_id: rules.rules[0].id.clone(),
            severity: Severity::High,
            span: span(&format!("{hostile}.py"), 3),
            message: format!("msg {hostile}"),
            snippet: format!("x = md5({hostile})"),
            scope: Some(hostile.into()),
            related: vec![Related { span: span("k.py", 1), message: format!("value from {hostile}") }],
            flow: vec![
                Related { span: span("k.py", 1), message: "source".into() },
                Related { span: span("k.py", 2), message: format!("sink {hostile}") },
            ],
            fingerprint: "ab".into(),
            in_test: false,
            suppression: None,
        };
        let report = ScanReport {
            base: ".".into(),
            findings: vec![f],
            notices: Vec::new(),
            files_scanned: 1,
            files_skipped: 0,
            files_parsed: 1,
            assets: Vec::new(),
            dependencies: Vec::new(),
            pq: None,
        };
        let mut out = Vec::new();
        write(&report, &rules, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("value from &lt;img"));
        assert!(html.contains("<li><code class=\"where\">k.py:2:5</code> sink &lt;img"));
        assert!(html.contains("x = <mark>md5</mark>(&lt;img"), "{html}");
        assert!(html.contains("Evidence chain"));
    }
}
