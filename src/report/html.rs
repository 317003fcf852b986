//! The HTML report (`--html FILE`): one self-contained file — no script, style or font from
//! the network — that a person opens after a run. On top, the verdict and the settings the run
//! used; then every rule of the contract with the scenarios that check it; under each failure,
//! its deviations (rule, endpoint, pointer, expected, actual, request id) and the HTTP
//! exchanges behind it. Filters by rule and by endpoint are plain JavaScript in the file.
//! Every text goes through [`crate::redact()`] before it is escaped, and the file is redacted
//! again as a whole when written.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::exchange::ExchangeRecord;
use crate::outcome::{Outcome, RunReport, ScenarioRecord, Verdict};
use crate::provider::Provider;

/// Redacted, then escaped for HTML text and attributes. `:` and `=` are written as character
/// references too, so that the redaction of the whole file when it is written finds nothing
/// left to mask in text already redacted here (it would put a raw `<redacted>` in the page).
pub(crate) fn esc(text: &str) -> String {
    let text = crate::redact::redact(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ':' => out.push_str("&#58;"),
            '=' => out.push_str("&#61;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{padding:18px 28px;color:#fff}
header.conforming{background:#1f7a3d}header.deviations{background:#b3261e}
header.error{background:#6d4c9f}header.inconclusive{background:#a15c00}
header h1{margin:0 0 4px;font-size:22px}main{padding:8px 28px 40px}
.bar{position:sticky;top:0;background:#f5f6f8;padding:10px 0;border-bottom:1px solid #d9dce3}
.bar label{margin-right:16px}select,input{font:inherit;padding:2px 4px}
section.rule,section.run{background:#fff;border:1px solid #d9dce3;border-radius:6px;margin:12px 0;padding:8px 14px}
section.rule h2{font-size:16px;margin:4px 0}.id{font-family:monospace;font-weight:bold}
.scenario{border-top:1px solid #eceef2;padding:6px 0}.loc{color:#667;font-family:monospace;font-size:12px}
.mark{display:inline-block;width:96px;font-weight:bold;font-size:12px}
.passed .mark{color:#1f7a3d}.failed .mark{color:#b3261e}.skipped .mark{color:#667}
.error .mark{color:#6d4c9f}.inconclusive .mark{color:#a15c00}
table.dev{border-collapse:collapse;margin:6px 0 6px 96px;font-size:13px}
table.dev td,table.dev th{border:1px solid #e1e3e8;padding:3px 8px;text-align:left;vertical-align:top}
pre{background:#f0f2f5;padding:6px 8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:4px 0}
details{margin:4px 0 4px 96px}summary{cursor:pointer;font-family:monospace;font-size:12px}
dl.settings{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}
dl.settings dt{font-weight:bold}dl.settings dd{margin:0;font-family:monospace}
.hidden{display:none}
";

const SCRIPT: &str = "
function applyFilters(){
  var rule=document.getElementById('f-rule').value;
  var ep=document.getElementById('f-endpoint').value;
  var only=document.getElementById('f-failed').checked;
  document.querySelectorAll('section.rule').forEach(function(sec){
    var shown=0;
    sec.querySelectorAll('.scenario').forEach(function(sc){
      var inRule=sec.dataset.rule==='*'
        ?(' '+sc.dataset.rules+' ').indexOf(' '+rule+' ')>=0:sec.dataset.rule===rule;
      var ok=(!rule||inRule)
        &&(!ep||(' '+sc.dataset.endpoints+' ').indexOf(' '+ep+' ')>=0)
        &&(!only||sc.dataset.outcome!=='passed');
      sc.classList.toggle('hidden',!ok); if(ok){shown++;}
    });
    sec.classList.toggle('hidden',shown===0&&(rule||ep||only));
  });
}
document.querySelectorAll('.bar select,.bar input').forEach(function(el){
  el.addEventListener('change',applyFilters);
});
(function(){ /* #rule=A3&endpoint=/v1/transaction/close&failed=1 preselects the filters */
  var q=location.hash.replace(/^#/,'').split('&');
  q.forEach(function(kv){
    var p=kv.split('='),k=p[0],v=decodeURIComponent(p[1]||'');
    if(k==='rule'){document.getElementById('f-rule').value=v;}
    if(k==='endpoint'){document.getElementById('f-endpoint').value=v;}
    if(k==='failed'){document.getElementById('f-failed').checked=v==='1';}
  });
  applyFilters();
})();
";

/// The report as one HTML document. `settings` are those the run used
/// (`report::settings`), `provider` gives the rules and their titles.
pub fn render(report: &RunReport, provider: &dyn Provider, settings: &serde_json::Value) -> String {
    let verdict = report.verdict();
    let class = match verdict {
        Verdict::Conforming => "conforming",
        Verdict::Deviations => "deviations",
        Verdict::Error => "error",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Interrupted => "inconclusive",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>pay-conformance: {}</title><style>{STYLE}</style></head><body>\n",
        esc(provider.title())
    );
    let _ = write!(
        out,
        "<header class=\"{class}\"><h1>{}</h1><div>{} — target {}</div></header>\n<main>\n",
        esc(super::console::verdict_line(report)
            .split(" — ")
            .next()
            .unwrap_or("")),
        esc(provider.title()),
        esc(&report.target)
    );
    let c = report.counts();
    let _ = writeln!(
        out,
        "<p>{} scenarios: {} passed, {} failed, {} skipped, {} inconclusive, {} errors; {} deviations, \
         {} observations; {} requests in {:.1} s.</p>",
        report.scenarios.len(),
        c.passed,
        c.failed,
        c.skipped,
        c.inconclusive,
        c.errors,
        c.deviations,
        c.observations,
        c.requests,
        report.elapsed.as_secs_f64()
    );
    render_settings(&mut out, settings);
    if !report.observations.is_empty() {
        out.push_str("<section class=\"run\"><h2>The whole run</h2>\n");
        for o in &report.observations {
            let _ = writeln!(
                out,
                "<div class=\"loc\">observation {}</div>",
                esc(&o.to_string())
            );
        }
        out.push_str("</section>\n");
    }
    render_filters(&mut out, report, provider);
    let failures: Vec<&ScenarioRecord> = report
        .scenarios
        .iter()
        .filter(|s| !matches!(s.outcome, Outcome::Passed | Outcome::Skipped(_)))
        .collect();
    if !failures.is_empty() {
        out.push_str("<section class=\"rule\" data-rule=\"*\"><h2>What did not pass</h2>\n");
        for s in failures {
            render_scenario(&mut out, s);
        }
        out.push_str("</section>\n");
    }
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    for rule in provider.rules() {
        let scenarios: Vec<&ScenarioRecord> = report
            .scenarios
            .iter()
            .filter(|s| s.rules.iter().any(|r| r == rule.id))
            .collect();
        if scenarios.is_empty() {
            continue;
        }
        shown.extend(scenarios.iter().map(|s| s.location.as_str()));
        let _ = writeln!(
            out,
            "<section class=\"rule\" data-rule=\"{}\"><h2><span class=\"id\">{}</span> — {}</h2>",
            esc(rule.id),
            esc(rule.id),
            esc(rule.title)
        );
        for s in scenarios {
            render_scenario(&mut out, s);
        }
        out.push_str("</section>\n");
    }
    let rest: Vec<&ScenarioRecord> = report
        .scenarios
        .iter()
        .filter(|s| !shown.contains(s.location.as_str()))
        .collect();
    if !rest.is_empty() {
        out.push_str("<section class=\"rule\" data-rule=\"\"><h2>Scenarios of no rule of the contract</h2>\n");
        for s in rest {
            render_scenario(&mut out, s);
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "<p class=\"loc\">pay-conformance {} — secrets, Authorization values and signatures are redacted.</p>\n</main><script>{SCRIPT}</script></body></html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn render_settings(out: &mut String, settings: &serde_json::Value) {
    let Some(map) = settings.as_object() else {
        return;
    };
    out.push_str("<details open style=\"margin-left:0\"><summary>settings of the run</summary><dl class=\"settings\">");
    for (key, value) in map {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(key), esc(&text));
    }
    out.push_str("</dl></details>\n");
}

fn endpoints(s: &ScenarioRecord) -> BTreeSet<&str> {
    s.findings
        .exchanges
        .iter()
        .map(|e| e.endpoint.as_str())
        .chain(s.findings.deviations.iter().map(|d| d.endpoint.as_str()))
        .collect()
}

fn render_filters(out: &mut String, report: &RunReport, provider: &dyn Provider) {
    out.push_str(
        "<div class=\"bar\"><label>rule <select id=\"f-rule\"><option value=\"\">all</option>",
    );
    for rule in provider.rules() {
        if report
            .scenarios
            .iter()
            .any(|s| s.rules.iter().any(|r| r == rule.id))
        {
            let _ = write!(out, "<option value=\"{0}\">{0}</option>", esc(rule.id));
        }
    }
    out.push_str("</select></label><label>endpoint <select id=\"f-endpoint\"><option value=\"\">all</option>");
    let all: BTreeSet<&str> = report.scenarios.iter().flat_map(endpoints).collect();
    for endpoint in all {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", esc(endpoint));
    }
    out.push_str("</select></label><label><input type=\"checkbox\" id=\"f-failed\"> only what did not pass</label></div>\n");
}

fn render_scenario(out: &mut String, s: &ScenarioRecord) {
    let (class, mark, reason) = match &s.outcome {
        Outcome::Passed => ("passed", "PASS", None),
        Outcome::Failed => ("failed", "FAIL", None),
        Outcome::Skipped(r) => ("skipped", "SKIP", Some(r)),
        Outcome::Inconclusive(r) => ("inconclusive", "INCONCLUSIVE", Some(r)),
        Outcome::Error(r) => ("error", "ERROR", Some(r)),
    };
    let eps: Vec<&str> = endpoints(s).into_iter().collect();
    let _ = write!(
        out,
        "<div class=\"scenario {class}\" data-outcome=\"{class}\" data-rules=\"{}\" data-endpoints=\"{}\"><span class=\"mark\">{mark}</span>{} <span class=\"loc\">{} [{}] {} ms</span>",
        esc(&s.rules.join(" ")),
        esc(&eps.join(" ")),
        esc(&s.name),
        esc(&s.location),
        esc(&s.rules.join(" ")),
        s.duration.as_millis()
    );
    if let Some(reason) = reason {
        let _ = write!(out, " — {}", esc(reason));
    }
    if class != "passed"
        && class != "skipped"
        && let Some(step) = &s.failed_step
    {
        let _ = write!(
            out,
            "<div class=\"loc\" style=\"margin-left:96px\">at: {}</div>",
            esc(step)
        );
    }
    if !s.findings.deviations.is_empty() {
        out.push_str("<table class=\"dev\"><tr><th>rule</th><th>endpoint</th><th>pointer</th><th>expected</th><th>actual</th><th>request_id</th></tr>");
        for d in &s.findings.deviations {
            let _ = write!(
                out,
                "<tr><td class=\"id\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"loc\">{}</td></tr>",
                esc(&d.rule.to_string()),
                esc(&d.endpoint),
                esc(if d.pointer.is_empty() {
                    "(body)"
                } else {
                    &d.pointer
                }),
                esc(&d.expected),
                esc(&d.actual),
                esc(d.request_id.as_deref().unwrap_or("-"))
            );
        }
        out.push_str("</table>");
    }
    for o in &s.findings.observations {
        let _ = write!(
            out,
            "<div class=\"loc\" style=\"margin-left:96px\">observation {}</div>",
            esc(&o.to_string())
        );
    }
    if class != "passed" {
        for e in &s.findings.exchanges {
            // The exchange a deviation names is shown open.
            let behind = e.request_id.is_some()
                && s.findings
                    .deviations
                    .iter()
                    .any(|d| d.request_id == e.request_id);
            render_exchange(out, e, behind);
        }
    }
    out.push_str("</div>\n");
}

pub(crate) fn render_exchange(out: &mut String, e: &ExchangeRecord, open: bool) {
    let headers = |h: &[(String, String)]| {
        h.iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let _ = write!(
        out,
        "<details{}><summary>{} {} → {} ({:.0} ms){}</summary><pre>{}\n\n{}</pre><pre>HTTP {}\n{}\n\n{}</pre></details>",
        if open { " open" } else { "" },
        esc(&e.method),
        esc(&e.url),
        e.status,
        e.elapsed_ms,
        e.request_id
            .as_deref()
            .map(|id| format!(" request_id {}", esc(id)))
            .unwrap_or_default(),
        esc(&headers(&e.request_headers)),
        esc(&e.request_body),
        e.status,
        esc(&headers(&e.response_headers)),
        esc(&e.response_body)
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_redacted_then_escaped_and_stays_so_when_the_file_is_redacted() {
        let shown = super::esc("authorization: TTPAY app_id=x,signature=abc <b>");
        assert!(!shown.contains("abc") && !shown.contains('<'), "{shown}");
        assert_eq!(crate::redact::redact(&shown), shown);
    }
}
