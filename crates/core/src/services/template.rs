//! Renders a service's cloud-init user-data: Terraform `templatefile` syntax evaluated with
//! hcl-rs, or plain YAML taken as it is. Secrets (vars from the environment or a file) are
//! known by value so every view can mask them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};

use super::definition::{CloudInit, Var};

/// The mask shown instead of a secret.
pub const MASK: &str = "••••••";

/// A rendering problem, with the file and (when known) the line it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Rendered user-data and the secret values in it.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    pub template: PathBuf,
    /// The template's own text (for pointing at its lines).
    pub source: String,
    pub text: String,
    secrets: Vec<String>,
}

/// Debug output never shows the text or the secrets (it may end up in the log).
impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered")
            .field("template", &self.template)
            .field("bytes", &self.text.len())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Rendered {
    /// The text with every secret value replaced by [`MASK`].
    pub fn masked(&self) -> String {
        mask(&self.text, &self.secrets)
    }

    /// Any text with this rendering's secrets masked.
    pub fn masked_text(&self, s: &str) -> String {
        mask(s, &self.secrets)
    }

    /// Whether the rendering holds secrets.
    pub fn has_secrets(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// The secrets, for masking other text that may hold them (plans, diffs).
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }
}

/// Replaces each secret in `text` by [`MASK`] (longest first, so one secret inside another is
/// still masked whole).
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut s: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    s.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in s {
        out = out.replace(secret.as_str(), MASK);
    }
    out
}

/// Whether a template is evaluated (`.tftpl`, `.tpl`) or taken as plain YAML.
pub fn is_template(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("tftpl" | "tpl" | "tmpl")
    )
}

/// Reads the template (relative to `base`), resolves the variables and renders.
pub fn render(base: &Path, ci: &CloudInit) -> Result<Rendered, RenderError> {
    let file = base.join(&ci.template);
    let source = std::fs::read_to_string(&file).map_err(|e| RenderError {
        file: file.clone(),
        line: None,
        message: format!("cannot read the template: {e}"),
    })?;
    let (vars, secrets) = resolve_vars(base, &ci.vars).map_err(|e| RenderError {
        file: file.clone(),
        line: None,
        message: e.to_string(),
    })?;
    let text = if is_template(&file) {
        render_text(&source, &vars).map_err(|(line, message)| RenderError {
            file: file.clone(),
            line,
            message: mask(&message, &secrets),
        })?
    } else {
        source.clone()
    };
    Ok(Rendered {
        template: file,
        source,
        text,
        secrets,
    })
}

/// A variable whose value could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    #[error("variable {var}: environment variable {env} is not set")]
    EnvUnset { var: String, env: String },
    #[error("variable {var}: cannot read {}: {error}", path.display())]
    File {
        var: String,
        path: std::path::PathBuf,
        error: String,
    },
}

/// A template function given arguments it cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum FuncError {
    #[error("argument {0} must be a string, got {1}")]
    NotAString(usize, String),
    #[error("missing argument {0}")]
    Missing(usize),
    #[error("{0}")]
    Encode(String),
    #[error("{0}")]
    BadArgument(&'static str),
    #[error("length: cannot take the length of {0}")]
    NoLength(String),
}

/// Variable values and the secrets among them. Secrets come from the environment or a file
/// (relative to `base`); a missing one is an error naming it, never showing a value.
pub fn resolve_vars(
    base: &Path,
    vars: &BTreeMap<String, Var>,
) -> Result<(BTreeMap<String, Value>, Vec<String>), VarError> {
    let mut out = BTreeMap::new();
    let mut secrets = Vec::new();
    for (k, v) in vars {
        let value = match v {
            Var::Value(t) => toml_to_hcl(t),
            Var::Env { env } => {
                let s = std::env::var(env).map_err(|_| VarError::EnvUnset {
                    var: k.clone(),
                    env: env.clone(),
                })?;
                secrets.push(s.clone());
                Value::String(s)
            }
            Var::File { file } => {
                let p = base.join(file);
                let s = std::fs::read_to_string(&p).map_err(|e| VarError::File {
                    var: k.clone(),
                    path: p.clone(),
                    error: e.to_string(),
                })?;
                let s = s.strip_suffix('\n').unwrap_or(&s).to_string();
                secrets.push(s.clone());
                // Multi-line secrets are often indented into YAML: mask each line too.
                secrets.extend(s.lines().filter(|l| l.trim().len() >= 4).map(String::from));
                Value::String(s)
            }
        };
        out.insert(k.clone(), value);
    }
    // Longest first (a whole multi-line secret before its lines), each once, never empty.
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    secrets.dedup();
    Ok((out, secrets))
}

fn toml_to_hcl(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_hcl).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_hcl(v))).collect())
        }
    }
}

/// Evaluates template text with these variables; an error comes with the template line when
/// it can be found.
pub fn render_text(
    source: &str,
    vars: &BTreeMap<String, Value>,
) -> Result<String, (Option<usize>, String)> {
    let template: hcl::Template = source.parse().map_err(|e: hcl::Error| match e {
        hcl::Error::Parse(p) => (
            Some(p.location().line()),
            format!("{} (column {})", p.message(), p.location().column()),
        ),
        other => (None, other.to_string()),
    })?;
    let mut ctx = Context::new();
    for (k, v) in vars {
        ctx.declare_var(k.as_str(), v.clone());
    }
    declare_functions(&mut ctx);
    template.evaluate(&ctx).map_err(|e| {
        let line = e
            .expr()
            .and_then(|x| find_expr_line(source, &x.to_string()));
        let message = match e.kind() {
            hcl::eval::ErrorKind::UndefinedVar(v) => format!("undefined variable `{v}`"),
            _ => e.to_string(),
        };
        (line, message)
    })
}

/// The 1-based line of the first `${...}` or `%{...}` holding this expression's text.
fn find_expr_line(source: &str, expr: &str) -> Option<usize> {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let needle = squeeze(expr);
    if needle.is_empty() {
        return None;
    }
    source
        .lines()
        .position(|l| (l.contains("${") || l.contains("%{")) && squeeze(l).contains(&needle))
        .map(|i| i + 1)
}

fn string_arg(args: &FuncArgs, i: usize) -> Result<String, FuncError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(v) => Err(FuncError::NotAString(i + 1, v.to_string())),
        None => Err(FuncError::Missing(i + 1)),
    }
}

/// What a template function gives; hcl takes its error as text ([`hcl::eval::Func`]).
type FuncResult = Result<Value, FuncError>;

/// The `templatefile` functions these templates use.
fn declare_functions(ctx: &mut Context) {
    fn jsonencode(args: FuncArgs) -> FuncResult {
        serde_json::to_string(&args[0])
            .map(Value::String)
            .map_err(|e| FuncError::Encode(e.to_string()))
    }
    fn yamlencode(args: FuncArgs) -> FuncResult {
        serde_norway::to_string(&args[0])
            .map(Value::String)
            .map_err(|e| FuncError::Encode(e.to_string()))
    }
    fn join(args: FuncArgs) -> FuncResult {
        let sep = string_arg(&args, 0)?;
        let items: Vec<String> = args[1]
            .as_array()
            .ok_or(FuncError::BadArgument(
                "join: the second argument must be a list",
            ))?
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        Ok(Value::String(items.join(&sep)))
    }
    fn split(args: FuncArgs) -> FuncResult {
        let sep = string_arg(&args, 0)?;
        let s = string_arg(&args, 1)?;
        Ok(Value::Array(
            s.split(sep.as_str())
                .map(|p| Value::String(p.into()))
                .collect(),
        ))
    }
    fn indent(args: FuncArgs) -> FuncResult {
        let n = args[0].as_u64().ok_or(FuncError::BadArgument(
            "indent: the first argument must be a number",
        ))? as usize;
        let s = string_arg(&args, 1)?;
        let pad = " ".repeat(n.min(256));
        let mut out = String::new();
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&pad);
                }
            }
            out.push_str(line);
        }
        Ok(Value::String(out))
    }
    fn upper(args: FuncArgs) -> FuncResult {
        Ok(Value::String(string_arg(&args, 0)?.to_uppercase()))
    }
    fn lower(args: FuncArgs) -> FuncResult {
        Ok(Value::String(string_arg(&args, 0)?.to_lowercase()))
    }
    fn trimspace(args: FuncArgs) -> FuncResult {
        Ok(Value::String(string_arg(&args, 0)?.trim().to_string()))
    }
    fn replace(args: FuncArgs) -> FuncResult {
        let s = string_arg(&args, 0)?;
        Ok(Value::String(
            s.replace(&string_arg(&args, 1)?, &string_arg(&args, 2)?),
        ))
    }
    fn length(args: FuncArgs) -> FuncResult {
        Ok(Value::from(match &args[0] {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            Value::String(s) => s.chars().count(),
            other => return Err(FuncError::NoLength(other.to_string())),
        } as u64))
    }
    fn base64encode(args: FuncArgs) -> FuncResult {
        use base64::Engine;
        Ok(Value::String(
            base64::engine::general_purpose::STANDARD.encode(string_arg(&args, 0)?),
        ))
    }
    let s = ParamType::String;
    let any = ParamType::Any;
    let num = ParamType::Number;
    let list = ParamType::array_of(ParamType::Any);
    // hcl's functions give their error as text: each is adapted by a closure capturing nothing.
    macro_rules! func {
        ($f:ident) => {
            (|args| $f(args).map_err(|e| e.to_string())) as hcl::eval::Func
        };
    }
    for (name, f, params) in [
        ("jsonencode", func!(jsonencode), vec![any.clone()]),
        ("yamlencode", func!(yamlencode), vec![any.clone()]),
        ("join", func!(join), vec![s.clone(), list]),
        ("split", func!(split), vec![s.clone(), s.clone()]),
        ("indent", func!(indent), vec![num, s.clone()]),
        ("upper", func!(upper), vec![s.clone()]),
        ("lower", func!(lower), vec![s.clone()]),
        ("trimspace", func!(trimspace), vec![s.clone()]),
        (
            "replace",
            func!(replace),
            vec![s.clone(), s.clone(), s.clone()],
        ),
        ("length", func!(length), vec![any]),
        ("base64encode", func!(base64encode), vec![s]),
    ] {
        ctx.declare_func(name, FuncDef::new(f, params));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn renders_templatefile_syntax() {
        let src = "#cloud-config\nhostname: ${hostname}\n%{ if admin ~}\nusers: [${join(\", \", users)}]\n%{ endif ~}\nruncmd:\n%{ for c in cmds ~}\n  - ${c}\n%{ endfor ~}\n";
        let v = vars(&[
            ("hostname", "grafana01".into()),
            ("admin", true.into()),
            ("users", Value::Array(vec!["ops".into(), "root".into()])),
            ("cmds", Value::Array(vec!["a".into(), "b".into()])),
        ]);
        let out = render_text(src, &v).unwrap();
        assert_eq!(
            out,
            "#cloud-config\nhostname: grafana01\nusers: [ops, root]\nruncmd:\n  - a\n  - b\n"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let (line, msg) = render_text("a\nb: ${nope}\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(line, Some(2));
        assert!(msg.contains("nope"), "{msg}");
        let (line, _) = render_text("a\n%{ if x }\nb\n", &vars(&[("x", true.into())])).unwrap_err();
        assert!(line.is_some());
    }

    #[test]
    fn indent_and_encode() {
        let v = vars(&[("pem", "A\nB".into())]);
        let out = render_text("k: |\n  ${indent(2, pem)}\nj: ${jsonencode(pem)}\n", &v).unwrap();
        assert_eq!(out, "k: |\n  A\n  B\nj: \"A\\nB\"\n");
    }

    #[test]
    fn secrets_are_masked() {
        let out = mask("password: hunter22 and hunter22x", &["hunter22".into()]);
        assert_eq!(out, format!("password: {MASK} and {MASK}x"));
    }
}
