//! The proxy's HTML report: one self-contained page (no script, nothing fetched) with the
//! verdict, the traffic, what the judge could not check, then each side's rules with their
//! counts and first examples — the finding and the exchange behind it, redacted — the
//! observations and the upstream failures. Written like every report, redacted whole.

use std::fmt::Write as _;

use super::report::{Traffic, exit_code, verdict};
use super::tally::Tally;
use crate::error::exit;
use crate::judge::Side;
use crate::report::html::{STYLE, esc, render_exchange};

/// The page.
pub fn render(tally: &Tally, traffic: &Traffic) -> String {
    let code = exit_code(tally, traffic);
    let class = match code {
        exit::DEVIATIONS => "deviations",
        exit::INCONCLUSIVE => "inconclusive",
        exit::CONFORMING => "conforming",
        _ => "error",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>pay-conformance proxy: {}</title><style>{STYLE}</style></head><body>\n\
         <header class=\"{class}\"><h1>{}</h1><div>proxy for {} — upstream {}</div></header>\n<main>\n",
        esc(traffic.provider),
        esc(verdict(code)),
        esc(traffic.provider),
        esc(&traffic.upstream),
    );
    let _ = writeln!(
        out,
        "<p>{} requests in {:.1} s: {} judged ({} clean), {} provider and {} merchant findings, \
         {} inconclusive (upstream failures), {} not judged.</p>",
        traffic.requests,
        traffic.elapsed_s,
        tally.judged,
        tally.clean,
        tally.count(Side::Provider),
        tally.count(Side::Merchant),
        traffic.inconclusive,
        traffic.unjudged
    );
    for limit in &traffic.limits {
        let _ = writeln!(out, "<p class=\"loc\">note: {}</p>", esc(limit));
    }
    for side in [Side::Provider, Side::Merchant] {
        let rules: Vec<_> = tally
            .rules
            .iter()
            .filter(|((s, _), _)| *s == side)
            .collect();
        let _ = writeln!(
            out,
            "<section class=\"run\"><h2>{} side: {} rule{} broken</h2>",
            esc(side.name()),
            rules.len(),
            if rules.len() == 1 { "" } else { "s" }
        );
        for ((_, rule), t) in rules {
            let _ = writeln!(
                out,
                "<section class=\"rule\"><h2><span class=\"id\">{}</span> — {} finding{}</h2>",
                esc(rule),
                t.count,
                if t.count == 1 { "" } else { "s" }
            );
            for example in &t.examples {
                let d = &example.finding.deviation;
                let _ = writeln!(
                    out,
                    "<div class=\"scenario failed\"><span class=\"mark\">#{}</span>{} \
                     <table class=\"dev\"><tr><th>pointer</th><th>expected</th><th>got</th></tr>\
                     <tr><td>{}</td><td>{}</td><td>{}</td></tr></table>",
                    example.seq,
                    esc(&d.endpoint),
                    esc(&d.pointer),
                    esc(&d.expected),
                    esc(&d.actual)
                );
                render_exchange(&mut out, &example.exchange, false);
                out.push_str("</div>\n");
            }
            out.push_str("</section>\n");
        }
        out.push_str("</section>\n");
    }
    if !tally.observations.is_empty() {
        out.push_str("<section class=\"run\"><h2>Observations (allowed, worth knowing)</h2>\n");
        for (rule, observed) in &tally.observations {
            let notes: Vec<String> = observed.examples.iter().map(|o| esc(&o.note)).collect();
            let _ = writeln!(
                out,
                "<div class=\"scenario\"><span class=\"id\">{}</span> {} × — {}</div>",
                esc(rule),
                observed.count,
                notes.join("<br>")
            );
        }
        out.push_str("</section>\n");
    }
    if !tally.failures.is_empty() {
        out.push_str("<section class=\"run\"><h2>Upstream failures (inconclusive)</h2>\n");
        for f in &tally.failures {
            let _ = writeln!(
                out,
                "<div class=\"scenario inconclusive\"><span class=\"mark\">#{}</span>{} {} → {}: {}</div>",
                f.seq,
                esc(&f.method),
                esc(&f.url),
                f.status,
                esc(&f.why)
            );
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main></body></html>\n");
    out
}
