use std::borrow::Cow;

use super::*;

fn labels(s: &Sample<'_>) -> Vec<(String, String)> {
    s.labels
        .iter()
        .map(|l| (l.name.into_owned(), l.value.into_owned()))
        .collect()
}

fn one_sample(line: &str) -> Sample<'_> {
    match lexer::lex_line(line, 1).unwrap() {
        Line::Sample(s) => s,
        other => panic!("not a sample: {other:?}"),
    }
}

// Cases from Prometheus' promparse_test.go (TestPromParse), adapted.
#[test]
fn prometheus_text_edge_cases() {
    let input = "# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# \tTYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05
go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05
go_gc_duration_seconds{quantile=\"0.5\",a=\"b\"} 8.3835e-05
go_gc_duration_seconds{quantile=\"0.8\", a=\"b\"} 8.3835e-05
go_gc_duration_seconds{ quantile=\"0.9\", a=\"b\"} 8.3835e-05
# Hrandom comment starting with prefix of HELP
#
wind_speed{A=\"2\",c=\"3\"} 12345
# comment with escaped \\n newline
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile=\"1.0\", a=\"b\" } 8.3835e-05
go_gc_duration_seconds { quantile=\"1.0\", a=\"b\" } 8.3835e-05
go_gc_duration_seconds { quantile= \"1.0\", a= \"b\", } 8.3835e-05
go_gc_duration_seconds { quantile = \"1.0\", a = \"b\" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b=\"c\"}\t1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  \t123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore=\"foo\"} 1
testmetric{label=\"\\\"bar\\\"\"} 1
testmetric{label=\"bar\\\\baz\\nqux\"} 1
metric 1 # {trace_id=\"1\"} 2";
    let body = parse(input).unwrap();
    let all: Vec<_> = body.samples().map(|(_, s)| s).collect();
    assert_eq!(all.len(), 18);
    assert_eq!(all[1].value, 7.424100000000001e-05);
    assert_eq!(labels(all[1]), [("quantile".into(), "0.25".into())]);
    assert_eq!(
        labels(all[4]),
        [("quantile".into(), "0.9".into()), ("a".into(), "b".into())]
    );
    assert_eq!(all[5].name, "wind_speed");
    assert_eq!(all[8].name, "go_gc_duration_seconds");
    assert_eq!(labels(all[8]), labels(all[6]));
    assert_eq!(labels(all[9]), labels(all[6]));
    assert_eq!(all[11].name, "some:aggregate:rate5m");
    assert_eq!(all[12].timestamp_ms, Some(123123));
    assert_eq!(labels(all[15])[0].1, "\"bar\"");
    assert!(matches!(all[15].labels.get("label"), Some(Cow::Owned(_))));
    assert_eq!(labels(all[16])[0].1, "bar\\baz\nqux");
    assert_eq!(all[17].exemplar, Some("{trace_id=\"1\"} 2"));
    let summary = &body.families[0];
    assert_eq!(summary.kind, MetricType::Summary);
    assert_eq!(summary.samples.len(), 5);
    let gauge = body
        .families
        .iter()
        .find(|f| f.name == "go_goroutines")
        .unwrap();
    assert_eq!(
        gauge.help,
        Some("Number of goroutines that currently exist.")
    );
    assert!(
        body.families
            .iter()
            .any(|f| f.name == "nohelp1" && f.help == Some(""))
    );
}

// Error cases from promparse_test.go (TestPromParseErrors) and text_parse_test.go.
#[test]
fn malformed_lines_are_errors_with_position() {
    let cases = [
        ("a", "expected a value"),
        ("a{b='c'} 1", "expected '\"'"),
        ("a{b=\n", "expected '\"'"),
        ("a true", "invalid value"),
        ("something_weird{problem=\"", "unterminated quoted string"),
        ("empty_label_name{=\"\"} 0", "expected a name"),
        ("foo 1_2", "invalid value"),
        ("foo 0x1p-3", "invalid value"),
        ("foo 0 1_2", "invalid timestamp"),
        ("{a=\"ok\"} 1", "sample without a metric name"),
        ("# TYPE #", "expected a name"),
        ("# TYPE foo bogus", "unknown metric type"),
        (
            "metric{a=\"b\" c=\"d\"} 1",
            "expected ',' or '}' after label value",
        ),
        ("metric{a=\"b\"} 1 2 3", "unexpected text after the sample"),
        ("metric-name 1", "invalid character in metric name"),
        ("metric{a=\"b\",", "expected '}' to close the labels"),
        ("metric 1 # trace", "expected '{' to start an exemplar"),
        ("{\"a\", \"b = \"c\"}", "expected '=' after label name"),
        ("{\"a\",b\\nc=\"d\"} 1", "expected '=' after label name"),
        ("# HELP #", "expected a name"),
        ("a{b=\0\"ssss\"} 1", "expected '\"'"),
        ("a{b\0=\"hiih\"}\t1", "expected '=' after label name"),
        ("a\0{b=\"ddd\"} 1", "invalid character in metric name"),
        ("a 0 1\0", "invalid timestamp"),
        // promparse tolerates a missing comma between labels (a bug by its own comment); we do not.
        (
            "go_gc_duration_seconds { quantile = \"2.0\" a = \"b\" } 8.3835e-05",
            "expected ',' or '}' after label value",
        ),
    ];
    for (line, message) in cases {
        let err = parse(line).expect_err(line);
        assert_eq!(err.message, message, "{line}");
        assert_eq!(err.line, 1);
        assert!(err.column >= 1);
    }
    let err = parse("ok 1\nok 2\nbad{ 3\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 6));
}

#[test]
fn lenient_mode_keeps_the_lines_around_an_error() {
    let (body, errors) = parse_lenient("a 1\nb{x=} 2\nc 3\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    let names: Vec<_> = body.samples().map(|(_, s)| s.name.as_ref()).collect();
    assert_eq!(names, ["a", "c"]);
}

#[test]
fn special_values_and_timestamps() {
    assert!(one_sample("a NaN").value.is_nan());
    assert_eq!(one_sample("a +Inf").value, f64::INFINITY);
    assert_eq!(one_sample("a -Inf").value, f64::NEG_INFINITY);
    assert_eq!(one_sample("a -0.5e3").value, -500.0);
    assert_eq!(
        one_sample("a 1 1700000000000").timestamp_ms,
        Some(1_700_000_000_000)
    );
    assert_eq!(
        one_sample("a 1 1700000000.123").timestamp_ms,
        Some(1_700_000_000_123)
    );
    assert_eq!(one_sample("a 1\r").value, 1.0);
}

#[test]
fn openmetrics_counters_group_total_and_created_samples() {
    let input = "# HELP process_cpu_seconds Total CPU.\n# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\nprocess_cpu_seconds_total 0.04\nprocess_cpu_seconds_created 1.7e9\n# EOF";
    let body = parse(input).unwrap();
    assert!(body.eof);
    assert_eq!(body.families.len(), 1);
    let f = &body.families[0];
    assert_eq!(
        (f.name.as_ref(), f.kind, f.unit),
        ("process_cpu_seconds", MetricType::Counter, Some("seconds"))
    );
    assert_eq!(f.samples.len(), 2);
}

#[test]
fn a_sample_outside_its_family_starts_an_untyped_one() {
    let body = parse("# TYPE x counter\nx_total 1\ny 2\nx_bucket 3\n").unwrap();
    let kinds: Vec<_> = body
        .families
        .iter()
        .map(|f| (f.name.as_ref(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("x", MetricType::Counter),
            ("y", MetricType::Untyped),
            ("x_bucket", MetricType::Untyped)
        ]
    );
}

#[test]
fn quoted_utf8_names() {
    let s = one_sample("{\"my.metric\", \"la.bel\"=\"v\", b=\"w\",} 1");
    assert_eq!(s.name, "my.metric");
    assert_eq!(
        labels(&s),
        [("la.bel".into(), "v".into()), ("b".into(), "w".into())]
    );
    let body = parse("# TYPE \"my.metric\" gauge\n{\"my.metric\"} 2\n").unwrap();
    assert_eq!(body.families.len(), 1);
    assert_eq!(body.families[0].kind, MetricType::Gauge);
}

#[test]
fn names_and_values_borrow_from_the_input() {
    let input = String::from("m{a=\"x\",b=\"y\"} 1");
    let s = one_sample(&input);
    let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
    assert!(matches!(s.name, Cow::Borrowed(n) if range.contains(&(n.as_ptr() as usize))));
    for l in s.labels.iter() {
        assert!(matches!(l.value, Cow::Borrowed(v) if range.contains(&(v.as_ptr() as usize))));
    }
}

#[test]
fn diagnostics_headers_missing_newline_and_eof() {
    let input =
        "#\n# POD web-1 (1 of 1)\n#\n# TYPE a gauge\na 1\n# EOF\n#\n# POD web-2 (2 of 2)\n#\na 2";
    let body = parse(input).unwrap();
    assert!(body.eof);
    assert_eq!(body.sample_count(), 2);
}

#[test]
fn every_fixture_parses_strictly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linkerd");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            let body = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(body.sample_count() > 0, "{}", path.display());
        }
    }
}

// Cases from Prometheus' openmetricsparse_test.go (TestOpenMetricsParse, TestUTF8OpenMetricsParse).
#[test]
fn openmetrics_edge_cases() {
    let input = "# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05
# HELP nohelp1 
# HELP help2 escape \\ \\n \\\\ \\\" \\x chars
# UNIT nounit 
go_goroutines 33 123.123
# TYPE hhh histogram
hhh_bucket{le=\"+Inf\"} 1 # {id=\"histogram-bucket-test\"} 4
hhh_count 1 # {id=\"histogram-count-test\"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le=\"+Inf\"} 1 # {id=\"gaugehistogram-bucket-test\",xx=\"yy\"} 4 123.123
ggh_gcount 1
# TYPE ii info
ii_info{foo=\"bar\"} 1
# TYPE ss stateset
ss{ss=\"foo\"} 1
ss{ss=\"bar\"} 0
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id=\"counter-test\"} 5
foo_created 1520872607.123
{q=\"0.9\",\"http.status\",a=\"b\"} 8.3835e-05
{\"Heizölrückstoßabdämpfung 10€ metric with \\\"interesting\\\" {character\\nchoices}\",\"strange©™\\n'quoted' \\\"name\\\"\"=\"6\"} 10.0
null_byte_metric{a=\"abc\0\"} 1
# EOF
";
    let body = parse(input).unwrap();
    assert!(body.eof);
    let family = |name: &str| body.families.iter().find(|f| f.name == name).unwrap();
    assert_eq!(family("go_gc_duration_seconds").unit, Some("seconds"));
    assert_eq!(family("nohelp1").help, Some(""));
    assert_eq!(
        family("help2").help_text().unwrap(),
        "escape \\ \n \\ \" \\x chars"
    );
    assert_eq!(family("nounit").unit, Some(""));
    assert_eq!(
        family("go_goroutines").samples[0].timestamp_ms,
        Some(123_123)
    );
    assert_eq!(family("hhh").samples.len(), 2);
    assert_eq!(
        family("hhh").samples[0].exemplar,
        Some("{id=\"histogram-bucket-test\"} 4")
    );
    assert_eq!(family("ggh").samples.len(), 2);
    assert_eq!(
        (family("ii").kind, family("ii").samples.len()),
        (MetricType::Info, 1)
    );
    assert_eq!(family("ss").samples.len(), 2);
    let foo = family("foo");
    assert_eq!(foo.samples.len(), 2);
    assert_eq!(foo.samples[0].timestamp_ms, Some(1_520_879_607_789));
    let status = family("http.status");
    assert_eq!(
        labels(&status.samples[0]),
        [("q".into(), "0.9".into()), ("a".into(), "b".into())]
    );
    let weird = &body.families[body.families.len() - 2];
    assert_eq!(
        weird.name,
        "Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}"
    );
    assert_eq!(
        labels(&weird.samples[0]),
        [("strange©™\n'quoted' \"name\"".into(), "6".into())]
    );
    assert_eq!(
        labels(&body.families.last().unwrap().samples[0])[0].1,
        "abc\0"
    );
}

#[test]
fn openmetrics_timestamps_are_seconds_integer_or_not() {
    let body = "# TYPE a counter\na_total 1 1700000010\na_total{x=\"1\"} 2 1700000010.000\n# EOF\n";
    let stamps: Vec<_> = parse(body)
        .unwrap()
        .samples()
        .map(|(_, s)| s.timestamp_ms)
        .collect();
    assert_eq!(stamps, [Some(1_700_000_010_000); 2]);
    // Prometheus text (no `# EOF`): an integer is milliseconds.
    let text = "a_total 1 1700000010000\n";
    assert_eq!(
        parse(text).unwrap().families[0].samples[0].timestamp_ms,
        Some(1_700_000_010_000)
    );
    assert!(ends_with_eof("a 1\n# EOF"));
    assert!(ends_with_eof("a 1\r\n# EOF\r\n\n"));
    assert!(!ends_with_eof("# EOF\na 1\n"));
    assert!(!ends_with_eof(""));
}

#[test]
fn openmetrics_only_syntax_is_recognised() {
    for om in [
        "# TYPE b info\nb_info{v=\"1\"} 1\n",
        "a_total 1 1700000010.5\n",
        "a_total 1 1700000010.000 # {trace_id=\"7\"} 1 1700000009\n",
        "hhh_bucket{le=\"+Inf\"} 1 1.7e9 # {id=\"x\"} 4 123\n",
        // A `}` in a label value comes before the one that closes the labels.
        "x{a=\"}\",b=\"1\"} 1 1700000010.5\n",
    ] {
        assert!(says_openmetrics(om), "{om}");
    }
    for prom in [
        "# TYPE a_total counter\na_total{x=\"1.5\"} 1.5 1700000010000\n",
        // Proxies write `# UNIT` without being asked for OpenMetrics.
        "# TYPE a histogram\n# UNIT a seconds\na_sum 1.5\n",
        "a_total 1.5 # {trace_id=\"7.5\"} 1.5\n",
        "x_bucket{le=\"0.5\",a=\"1.5\"} 3 1700000010000\n",
        "# TYPE g gauge\ng 0.5\n",
        "",
    ] {
        assert!(!says_openmetrics(prom), "{prom}");
    }
}

#[test]
fn pod_headers_are_found_at_line_starts_only() {
    assert!(has_pod_header("#\n# POD web-1 (1 of 2)\n#\na 1\n"));
    assert!(has_pod_header("# POD web-1 (1 of 1)\na 1\n"));
    assert!(!has_pod_header("a{x=\"# POD y\"} 1\n"));
    assert!(!has_pod_header("## POD web-1\na 1\n"));
}
