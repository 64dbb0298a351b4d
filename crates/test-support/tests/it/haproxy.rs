use slipway_test_support::haproxy::{Haproxy, HaproxyConfig};
use slipway_test_support::http;
use slipway_test_support::sample::SampleService;

fn slots_of(lb: &Haproxy, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            http::get(&lb.url())
                .expect("haproxy answers")
                .header("x-slot")
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn weights_move_traffic_through_the_runtime_api_without_a_reload() {
    let blue = SampleService::start_on(slipway_test_support::ports::free_port(), "1.0.0", "blue");
    let green = SampleService::start_on(slipway_test_support::ports::free_port(), "2.0.0", "green");
    let lb = Haproxy::start(HaproxyConfig::servers(&[
        ("blue", blue.port(), 100),
        ("green", green.port(), 0),
    ]));
    assert!(slots_of(&lb, 5).iter().all(|s| s == "blue"));

    lb.set_weight("green", 100);
    lb.set_weight("blue", 0);
    assert_eq!((lb.weight("green"), lb.weight("blue")), (100, 0));
    assert!(slots_of(&lb, 5).iter().all(|s| s == "green"));
    assert!(lb.runtime("show servers state").contains("green"));
}
