//! Merging SARIF logs, for sharded scans (`scan --shard K/N` on N machines,
//! then `cipherlint merge`): the shards' runs become one run whose rules are
//! de-duplicated by id, whose results point at the merged rule list
//! (`ruleIndex` remapped), and whose tool notifications are concatenated.
//!
//! It works on plain JSON rather than typed SARIF so that properties this
//! version does not know about pass through untouched.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

/// Merges SARIF logs (`(name, log)` pairs; the name is used in errors).
pub fn merge(logs: &[(String, Value)]) -> Result<Value, String> {
    let mut driver: Option<Map<String, Value>> = None;
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_at: HashMap<String, usize> = HashMap::new();
    let mut results: Vec<Value> = Vec::new();
    let mut notes: Vec<Value> = Vec::new();
    let mut seen_notes: HashSet<String> = HashSet::new();
    let mut successful = true;
    let mut template: Option<Map<String, Value>> = None;
    let mut schema = Value::String(crate::render::sarif::SCHEMA.to_string());

    for (name, log) in logs {
        if log.get("version").and_then(Value::as_str) != Some("2.1.0") {
            return Err(format!("{name}: not a SARIF 2.1.0 log"));
        }
        if let Some(s) = log.get("$schema") {
            schema = s.clone();
        }
        let runs = log.get("runs").and_then(Value::as_array).ok_or_else(|| format!("{name}: no `runs` array"))?;
        for run in runs {
            let run = run.as_object().ok_or_else(|| format!("{name}: a run is not an object"))?;
            let this_driver = run
                .get("tool")
                .and_then(|t| t.get("driver"))
                .and_then(Value::as_object)
                .ok_or_else(|| format!("{name}: a run has no tool.driver"))?;
            let tool_name = this_driver.get("name").and_then(Value::as_str).unwrap_or("");
            match &driver {
                None => driver = Some(this_driver.clone()),
                Some(d) if d.get("name").and_then(Value::as_str) != Some(tool_name) => {
                    return Err(format!(
                        "{name}: tool `{tool_name}` differs from `{}`; only shards of one tool's scan can be merged",
                        d.get("name").and_then(Value::as_str).unwrap_or("")
                    ))
                }
                Some(_) => {}
            }
            if template.is_none() {
                template = Some(run.clone());
            }
            // This run's rule index → merged index.
            let mut remap: Vec<usize> = Vec::new();
            for rule in this_driver.get("rules").and_then(Value::as_array).into_iter().flatten() {
                let id = rule.get("id").and_then(Value::as_str).unwrap_or("").to_string();
                let at = *rule_at.entry(id).or_insert_with(|| {
                    rules.push(rule.clone());
                    rules.len() - 1
                });
                remap.push(at);
            }
            for result in run.get("results").and_then(Value::as_array).into_iter().flatten() {
                let mut result = result.clone();
                remap_rule(&mut result, &remap, &rules, &rule_at).map_err(|e| format!("{name}: {e}"))?;
                results.push(result);
            }
            for inv in run.get("invocations").and_then(Value::as_array).into_iter().flatten() {
                if inv.get("executionSuccessful") == Some(&Value::Bool(false)) {
                    successful = false;
                }
                for n in inv.get("toolExecutionNotifications").and_then(Value::as_array).into_iter().flatten() {
                    // Every shard may report the same tool-level problem; keep one.
                    if seen_notes.insert(n.to_string()) {
                        notes.push(n.clone());
                    }
                }
            }
        }
    }
    let (Some(mut driver), Some(mut run)) = (driver, template) else {
        return Err("no runs to merge".to_string());
    };
    // The same order a single scan produces: by location, then rule.
    results.sort_by_cached_key(result_key);
    driver.insert("rules".into(), Value::Array(rules));
    run.insert("tool".into(), json!({ "driver": driver }));
    run.insert("results".into(), Value::Array(results));
    run.insert(
        "invocations".into(),
        json!([{ "executionSuccessful": successful, "toolExecutionNotifications": notes }]),
    );
    Ok(json!({ "$schema": schema, "version": "2.1.0", "runs": [run] }))
}

/// Points a result's `ruleIndex` (and `rule.index`) at the merged rule list.
fn remap_rule(
    result: &mut Value,
    remap: &[usize],
    rules: &[Value],
    rule_at: &HashMap<String, usize>,
) -> Result<(), String> {
    let obj = result.as_object_mut().ok_or("a result is not an object")?;
    let old = obj.get("ruleIndex").and_then(Value::as_u64).map(|i| i as usize);
    let id = obj.get("ruleId").and_then(Value::as_str).map(str::to_string);
    let new = match (old, &id) {
        (Some(i), _) => Some(*remap.get(i).ok_or_else(|| format!("ruleIndex {i} is out of range"))?),
        (None, Some(id)) => rule_at.get(id).copied(),
        (None, None) => None,
    };
    if let Some(n) = new {
        obj.insert("ruleIndex".into(), json!(n));
        if id.is_none() {
            obj.insert("ruleId".into(), rules[n].get("id").cloned().unwrap_or(Value::Null));
        }
        if let Some(r) = obj.get_mut("rule").and_then(Value::as_object_mut) {
            r.insert("index".into(), json!(n));
        }
    }
    Ok(())
}

fn result_key(r: &Value) -> (String, u64, u64, u64, u64, String, String) {
    let loc = &r["locations"][0]["physicalLocation"];
    let region = &loc["region"];
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    (
        loc["artifactLocation"]["uri"].as_str().unwrap_or("").to_string(),
        n(&region["startLine"]),
        n(&region["startColumn"]),
        n(&region["endLine"]),
        n(&region["endColumn"]),
        r["ruleId"].as_str().unwrap_or("").to_string(),
        r["message"]["text"].as_str().unwrap_or("").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(rules: &[&str], results: &[(&str, usize)], note: &str) -> Value {
        json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "cipherlint", "rules": rules.iter().map(|r| json!({"id": r})).collect::<Vec<_>>()}},
            "results": results.iter().map(|(id, i)| json!({"ruleId": id, "ruleIndex": i, "message": {"text": "m"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("{id}.py")}}}]})).collect::<Vec<_>>(),
            "invocations": [{"executionSuccessful": true, "toolExecutionNotifications": [{"message": {"text": note}}]}]
        }]})
    }

    #[test]
    fn rules_are_deduplicated_and_indices_remapped() {
        let a = log(&["x", "y"], &[("y", 1)], "a");
        let b = log(&["z", "y"], &[("z", 0), ("y", 1)], "b");
        let m = merge(&[("a".into(), a), ("b".into(), b)]).unwrap();
        let run = &m["runs"][0];
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["x", "y", "z"]);
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(ids[i], r["ruleId"].as_str().unwrap());
        }
        assert_eq!(run["results"].as_array().unwrap().len(), 3);
        assert_eq!(run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn other_tools_and_non_sarif_are_refused() {
        let mut other = log(&[], &[], "");
        other["runs"][0]["tool"]["driver"]["name"] = json!("other");
        assert!(merge(&[("a".into(), log(&[], &[], "")), ("b".into(), other)]).unwrap_err().contains("differs"));
        assert!(merge(&[("a".into(), json!({"version": "1"}))]).is_err());
        assert!(merge(&[]).is_err());
    }
}
