//! The act harness itself: a run that outlives its deadline is stopped, with the
//! processes its steps started, and fails naming the deadline.

use std::time::Duration;

use slipway_e2e::act::Act;
use slipway_e2e::chain::actions_repo;

fn processes_named(name: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.starts_with(name))
        .collect()
}

#[test]
fn act_run_past_its_deadline_is_stopped_with_the_processes_it_started() {
    let name = format!("slipway-hang-{}", std::process::id());
    let workflow = format!(
        "name: hang\non: push\npermissions: {{}}\njobs:\n  hang:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exec -a {name} sleep 600\n"
    );
    let repo = actions_repo("hang.yml", &workflow).unwrap();
    let err = Act::new(repo.path(), "hang.yml")
        .timeout(Duration::from_secs(8))
        .run()
        .expect_err("a step sleeping 600 s cannot finish within 8 s");
    let text = format!("{err:#}");
    assert!(text.contains("deadline"), "{text}");
    // Stopping is SIGTERM to the whole group, then SIGKILL: give the kernel a moment.
    let mut left = processes_named(&name);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        left = processes_named(&name);
    }
    assert!(
        left.is_empty(),
        "still running after the deadline: {left:?}"
    );
}
