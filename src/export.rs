//! Tables written as CSV, JSON or Markdown (the console's `:export`).

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Markdown,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Markdown => "md",
        }
    }
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
pub fn csv(names: &[&str], rows: &[Vec<&str>]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let line = |cells: &[&str]| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    std::iter::once(line(names))
        .chain(rows.iter().map(|r| line(r)))
        .map(|l| l + "\r\n")
        .collect()
}

/// An array of objects, one per row, keyed by column name.
pub fn json(names: &[&str], rows: &[Vec<&str>]) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::Value::Object(
                names
                    .iter()
                    .zip(r)
                    .map(|(n, c)| (n.to_string(), serde_json::Value::String(c.to_string())))
                    .collect(),
            )
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
}

/// A GitHub-flavoured table; `|` escaped.
pub fn markdown(names: &[&str], rows: &[Vec<&str>]) -> String {
    let line = |cells: &[&str]| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(names);
    out.push_str(&format!("|{}\n", "---|".repeat(names.len())));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_where_they_must_be() {
        let out = csv(&["A", "B"], &[vec!["x,y", "say \"hi\""], vec!["plain", ""]]);
        assert_eq!(out, "A,B\r\n\"x,y\",\"say \"\"hi\"\"\"\r\nplain,\r\n");
        let md = markdown(&["A"], &[vec!["a|b"]]);
        assert_eq!(md, "| A |\n|---|\n| a\\|b |\n");
        let j: serde_json::Value = serde_json::from_str(&json(&["A"], &[vec!["1"]])).unwrap();
        assert_eq!(j[0]["A"], "1");
    }
}
