//! Themes: semantic style names (`ui.border.focus`, `status.running`) mapped to colours, with a
//! `[palette]` and `inherits`. User themes live in `<config>/themes/<name>.toml` and may shadow
//! or extend the shipped ones.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use atlas_core::diagnostic::{Diagnostic, read_user_file};
use atlas_core::tolerant;

/// The shipped themes, compiled in.
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
];

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    inherits: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum StyleSpec {
    Fg(String),
    Full {
        fg: Option<String>,
        bg: Option<String>,
        #[serde(default)]
        modifiers: Vec<String>,
    },
}

/// A resolved theme.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub name: String,
    /// The theme and the ones it inherits from, child first.
    pub chain: Vec<String>,
    styles: HashMap<String, Style>,
}

impl Theme {
    /// Looks a semantic style up, falling back to its parents (`a.b.c` → `a.b` → `a`).
    pub fn style(&self, key: &str) -> Style {
        let mut k = key;
        loop {
            if let Some(s) = self.styles.get(k) {
                return *s;
            }
            match k.rfind('.') {
                Some(i) => k = &k[..i],
                None => return Style::default(),
            }
        }
    }

    /// Names of the shipped themes plus the user's.
    pub fn available(user_dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
        if let Ok(rd) = std::fs::read_dir(user_dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml")
                    && let Some(s) = p.file_stem().and_then(|s| s.to_str())
                    && !names.iter().any(|n| n == s)
                {
                    names.push(s.to_string());
                }
            }
        }
        names
    }

    /// Loads a theme by name. A theme that cannot be found (or inherits in a circle) gives the
    /// shipped dark theme; a bad key or style in a file is located, left out (the parent's
    /// style applies), and the rest of the theme is used.
    #[allow(
        clippy::expect_used,
        reason = "the shipped defaults are compiled in; tests check they parse"
    )]
    pub fn load(user_dir: &Path, name: &str) -> (Self, Vec<Diagnostic>) {
        match Self::resolve(user_dir, name) {
            Ok(t) => t,
            Err(d) => {
                let (fallback, _) =
                    Self::resolve(Path::new("/nonexistent"), "dark").expect("shipped dark theme");
                (fallback, vec![d])
            }
        }
    }

    fn resolve(user_dir: &Path, name: &str) -> Result<(Self, Vec<Diagnostic>), Diagnostic> {
        let mut chain: Vec<(String, tolerant::Source, ThemeFile)> = Vec::new();
        let mut diags = Vec::new();
        let mut next = Some(name.to_string());
        while let Some(n) = next.take() {
            if chain.iter().any(|(c, _, _)| *c == n) {
                let path = chain
                    .last()
                    .map(|(_, s, _)| s.file.clone())
                    .unwrap_or_default();
                let names: Vec<&str> = chain.iter().map(|c| c.0.as_str()).collect();
                return Err(Diagnostic::new(
                    path,
                    None,
                    format!("theme inheritance cycle: {} -> {n}", names.join(" -> ")),
                ));
            }
            let (source, file, d) = Self::read_one(user_dir, &n)?;
            diags.extend(d);
            next = file.inherits.clone();
            chain.push((n, source, file));
        }
        // Merge parent first, child over it; a child's bad style leaves the parent's.
        let mut palette = BTreeMap::new();
        for (_, _, file) in chain.iter().rev() {
            palette.extend(file.palette.clone());
        }
        let mut styles = HashMap::new();
        for (_, source, file) in chain.iter().rev() {
            for (k, spec) in &file.styles {
                match to_style(spec, &palette) {
                    Ok(style) => {
                        styles.insert(k.clone(), style);
                    }
                    Err(message) => diags.push(source.at(
                        &[
                            tolerant::Seg::Key("styles".into()),
                            tolerant::Seg::Key(k.clone()),
                        ],
                        format!("style {k:?}: {message} — it is left out"),
                    )),
                }
            }
        }
        let theme = Theme {
            name: name.to_string(),
            chain: chain.into_iter().map(|c| c.0).collect(),
            styles,
        };
        Ok((theme, diags))
    }

    /// One theme file, user's first then shipped: where it is, what could be read of it, and
    /// its problems.
    fn read_one(
        user_dir: &Path,
        name: &str,
    ) -> Result<(tolerant::Source, ThemeFile, Vec<Diagnostic>), Diagnostic> {
        let user_path = user_dir.join(format!("{name}.toml"));
        let (path, text) = match read_user_file(&user_path)? {
            Some(t) => (user_path, t),
            None => match SHIPPED.iter().find(|(n, _)| *n == name) {
                Some((_, t)) => (PathBuf::from(format!("themes/{name}.toml")), t.to_string()),
                None => {
                    return Err(Diagnostic::new(
                        user_path,
                        None,
                        format!(
                            "theme {name:?} not found (shipped: {})",
                            SHIPPED.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            },
        };
        let (source, user, mut diags) = tolerant::Source::parse(&path, &text);
        let (file, d) = tolerant::read::<ThemeFile>(&toml::Table::new(), &source, user);
        diags.extend(d);
        let file = file.unwrap_or_default();
        Ok((source, file, diags))
    }
}

fn to_style(spec: &StyleSpec, palette: &BTreeMap<String, String>) -> Result<Style, String> {
    let mut style = Style::default();
    match spec {
        StyleSpec::Fg(c) => style = style.fg(color(c, palette)?),
        StyleSpec::Full { fg, bg, modifiers } => {
            if let Some(c) = fg {
                style = style.fg(color(c, palette)?);
            }
            if let Some(c) = bg {
                style = style.bg(color(c, palette)?);
            }
            for m in modifiers {
                style = style.add_modifier(modifier(m)?);
            }
        }
    }
    Ok(style)
}

fn color(name: &str, palette: &BTreeMap<String, String>) -> Result<Color, String> {
    let resolved = palette.get(name).map(String::as_str).unwrap_or(name);
    if let Ok(i) = resolved.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    resolved
        .parse::<Color>()
        .map_err(|_| format!("unknown colour {name:?}"))
}

fn modifier(name: &str) -> Result<Modifier, String> {
    Ok(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        "slow_blink" => Modifier::SLOW_BLINK,
        _ => return Err(format!("unknown modifier {name:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_resolves() {
        for (name, _) in SHIPPED {
            let (t, d) = Theme::load(Path::new("/nonexistent"), name);
            assert!(d.is_empty(), "{name}: {d:?}");
            assert_eq!(t.name, *name);
            assert!(t.style("status.running").fg.is_some());
        }
    }

    #[test]
    fn light_inherits_dark_styles_with_its_palette() {
        let (light, _) = Theme::load(Path::new("/nonexistent"), "light");
        let (dark, _) = Theme::load(Path::new("/nonexistent"), "dark");
        assert_eq!(light.chain, ["light", "dark"]);
        assert_ne!(light.style("ui.text").fg, dark.style("ui.text").fg);
        assert_eq!(
            light.style("ui.text").fg,
            Some(Color::Rgb(0x24, 0x28, 0x3b))
        );
    }

    #[test]
    fn lookup_falls_back_to_parent_keys() {
        let (t, _) = Theme::load(Path::new("/nonexistent"), "dark");
        assert_eq!(t.style("ui.border.focus.extra"), t.style("ui.border.focus"));
        assert_eq!(t.style("no.such.style"), Style::default());
    }

    #[test]
    fn user_theme_overrides_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"dark\"\n[styles]\n\"status.running\" = \"lightmagenta\"\n",
        )
        .unwrap();
        let (t, d) = Theme::load(dir.path(), "mine");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(t.style("status.running").fg, Some(Color::LightMagenta));
        assert!(t.style("ui.title").fg.is_some());

        std::fs::write(dir.path().join("bad.toml"), "[styles]\n\"x\" = { fg = 3\n").unwrap();
        let (t, d) = Theme::load(dir.path(), "bad");
        assert_eq!(t.name, "bad");
        assert!(d[0].to_string().contains("bad.toml:2:"), "{}", d[0]);

        // A bad style costs only itself, said with its line and column; the parent's applies.
        std::fs::write(
            dir.path().join("half.toml"),
            "inherits = \"dark\"\n[styles]\n\"status.running\" = \"lightmagenta\"\n  \"ui.title\" = \"nocolour\"\ncolour = 3\n",
        )
        .unwrap();
        let (t, d) = Theme::load(dir.path(), "half");
        let (dark, _) = Theme::load(Path::new("/nonexistent"), "dark");
        let shown: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown
                .iter()
                .any(|s| s.contains("half.toml:4:3: style \"ui.title\"")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|s| s.contains("half.toml:5:1:")),
            "{shown:?}"
        );
        assert_eq!(t.style("status.running").fg, Some(Color::LightMagenta));
        assert_eq!(t.style("ui.title"), dark.style("ui.title"));

        std::fs::write(dir.path().join("a.toml"), "inherits = \"b\"\n").unwrap();
        std::fs::write(dir.path().join("b.toml"), "inherits = \"a\"\n").unwrap();
        let (_, d) = Theme::load(dir.path(), "a");
        assert!(d[0].message.contains("cycle"), "{}", d[0]);

        std::fs::write(
            dir.path().join("c.toml"),
            "[styles]\n\"x\" = \"nocolour\"\n",
        )
        .unwrap();
        let (_, d) = Theme::load(dir.path(), "c");
        assert!(d[0].message.contains("nocolour"), "{}", d[0]);

        let (_, d) = Theme::load(dir.path(), "missing");
        assert!(d[0].message.contains("not found"), "{}", d[0]);
    }
}
