//! The step summary's table of analysed steps.

/// A Markdown table of the analysed steps (`analysis at N%` of a canary, `analysis of
/// HOSTS` of a rolling batch, a validation window with analysis) with their measurements
/// and verdicts, for the step summary; empty when there were none.
pub fn summary_table(steps: &[crate::run::StepRecord]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .filter(|s| {
            s.name.starts_with("analysis ")
                || s.name.starts_with("paused at ")
                || (s.name.starts_with("validation window") && s.output.is_some())
        })
        .map(|s| {
            let result = s
                .output
                .as_deref()
                .or(s.detail.as_deref())
                .unwrap_or(s.status);
            format!(
                "| {} | {} |",
                s.name.replace('|', "\\|"),
                result.replace('|', "\\|").replace('\n', " ")
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\n#### Analysis\n\n| step | result |\n| --- | --- |\n{}\n",
        rows.join("\n")
    )
}
