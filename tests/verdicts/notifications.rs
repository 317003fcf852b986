//! Payment notifications over real processes: `run` against `serve`, the suite's receiver on
//! the loopback. A target that calls back passes; one whose callbacks never reach the receiver
//! is inconclusive (exit 3), never a deviation and never a pass; a remote target with nothing
//! to pay its orders skips the scenarios and says why.

use super::{run, serve, text};

const NOTIFICATIONS: [&str; 4] = ["--tags", "@notification", "--rate-limit", "0"];

#[test]
fn a_provider_that_calls_back_on_its_schedule_conforms() {
    let served = serve(&["--notify-speedup", "1000"]);
    let mut args = vec![
        "--base-url",
        served.url.as_str(),
        "--notify-schedule-scale",
        "0.001",
    ];
    args.extend(NOTIFICATIONS);
    let out = run(&args, &[]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(printed.contains("3 of 3 scenarios passed"), "{printed}");
}

#[test]
fn a_pay_command_pays_the_order_with_its_arguments() {
    let served = serve(&["--notify-speedup", "1000"]);
    let pay = format!(
        "curl -sf -X POST {}/_control/orders/{{out_trade_no}}/pay >/dev/null",
        served.url
    );
    let mut args = vec![
        "--base-url",
        served.url.as_str(),
        "--notify-schedule-scale",
        "0.001",
        "--pay-command",
        pay.as_str(),
        "--name",
        "documented form",
    ];
    args.extend(NOTIFICATIONS);
    let out = run(&args, &[]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(printed.contains("1 of 1 scenarios passed"), "{printed}");
}

#[test]
fn callbacks_that_never_arrive_are_inconclusive_not_deviations() {
    let served = serve(&["--notify-speedup", "1000"]);
    // The target is told a notify_url where nothing listens: nothing reaches the receiver.
    let mut args = vec![
        "--base-url",
        served.url.as_str(),
        "--notify-url",
        "http://127.0.0.1:9",
        "--notify-wait",
        "1",
    ];
    args.extend(NOTIFICATIONS);
    let out = run(&args, &[]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(3), "{printed}");
    assert!(printed.contains("3 inconclusive"), "{printed}");
    assert!(printed.contains("not observed within"), "{printed}");
    assert!(!printed.contains("DEVIATIONS"), "{printed}");
}

#[test]
fn a_remote_target_with_nothing_to_pay_skips_and_says_how() {
    // A plain HTTP target with no control API: the probe finds none.
    let url = super::raw_target(|stream| {
        use std::io::Write;
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    });
    let mut args = vec!["--base-url", url.as_str(), "--dry-run"];
    args.extend(NOTIFICATIONS);
    let _ = run(&args, &[]);
    let notifications = pay_conformance::notify::Notifications::new(
        pay_conformance::settings::NotifySettings::remote(),
        &url,
        false,
    );
    let reason = notifications.skip_reason().expect("a reason");
    assert!(reason.contains("--pay-command"), "{reason}");
    let mut settings = pay_conformance::settings::NotifySettings::remote();
    settings.pay = pay_conformance::settings::PayMethod::Interactive;
    let far =
        pay_conformance::notify::Notifications::new(settings, "https://sandbox.example", false);
    let reason = far.skip_reason().expect("a reason");
    assert!(reason.contains("--notify-url"), "{reason}");
}
