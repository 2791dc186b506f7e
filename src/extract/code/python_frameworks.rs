//! Environment reads that Python frameworks declare instead of calling `os.environ`: a click or
//! typer option's `envvar="X"` (or a list of names), and the fields of a pydantic-settings
//! `BaseSettings` class (`Field(alias="X")`, `validation_alias=`, else the field's name in
//! capitals after the class's `env_prefix`). The option's `help=` or the field's
//! `description=` is kept: it may say which token the value is.

use super::{CodeFacts, Read, children, is_var_name, text_of};
use tree_sitter::{Node, Tree};

pub fn collect(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    for n in super::preorder(tree) {
        match n.kind() {
            "call" => option_envvars(n, src, facts),
            "class_definition" => settings_fields(n, src, facts),
            _ => {}
        }
    }
}

/// A plain string (no interpolation): its text and the span of its content.
fn string_value(n: Node, src: &str) -> Option<(String, usize, usize)> {
    if n.kind() != "string" {
        return None;
    }
    let parts = children(n);
    if parts.iter().any(|c| c.kind() == "interpolation") {
        return None;
    }
    let contents: Vec<Node> = parts.into_iter().filter(|c| c.kind() == "string_content").collect();
    let (first, last) = (contents.first()?, contents.last()?);
    let text: String = contents.iter().map(|c| text_of(*c, src)).collect();
    Some((text, first.start_byte(), last.end_byte()))
}

/// The keyword arguments of a call, by name.
fn keywords<'a>(call: Node<'a>, src: &str) -> Vec<(String, Node<'a>)> {
    let Some(args) = call.child_by_field_name("arguments") else { return Vec::new() };
    children(args)
        .into_iter()
        .filter(|a| a.kind() == "keyword_argument")
        .filter_map(|a| {
            Some((text_of(a.child_by_field_name("name")?, src).to_owned(), a.child_by_field_name("value")?))
        })
        .collect()
}

/// A text a string literal, or strings glued together, says (`help="…" "…"`).
fn text_value(n: Node, src: &str) -> Option<String> {
    match n.kind() {
        "string" => string_value(n, src).map(|(t, _, _)| t),
        "concatenated_string" => Some(children(n).into_iter().filter_map(|c| text_value(c, src)).collect()),
        "parenthesized_expression" => children(n).first().and_then(|c| text_value(*c, src)),
        _ => None,
    }
}

/// The names a value holds: a string, or the strings of a list, tuple or `AliasChoices(…)`.
fn names(n: Node, src: &str) -> Vec<(String, usize, usize)> {
    match n.kind() {
        "string" => string_value(n, src).into_iter().filter(|(t, _, _)| is_var_name(t)).collect(),
        "list" | "tuple" => children(n).into_iter().flat_map(|c| names(c, src)).collect(),
        "call" => n.child_by_field_name("arguments").map(|a| names_of_args(a, src)).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn names_of_args(args: Node, src: &str) -> Vec<(String, usize, usize)> {
    children(args).into_iter().filter(|a| a.kind() != "keyword_argument").flat_map(|a| names(a, src)).collect()
}

fn push(facts: &mut CodeFacts, found: Vec<(String, usize, usize)>, description: &Option<String>) {
    for (name, start, end) in found {
        facts.reads.push(Read {
            name,
            start,
            end,
            assignment: false,
            description: description.clone(),
            cli_config: false,
            client: None,
        });
    }
}

/// `@click.option("--key", envvar="X", help="…")`, `typer.Option(…, envvar=["X", "Y"])`.
fn option_envvars(call: Node, src: &str, facts: &mut CodeFacts) {
    let kws = keywords(call, src);
    let Some((_, value)) = kws.iter().find(|(k, _)| k == "envvar") else { return };
    let help = kws.iter().find(|(k, _)| k == "help").and_then(|(_, v)| text_value(*v, src));
    push(facts, names(*value, src), &help);
}

/// The fields of a `BaseSettings` subclass: each is read from the environment.
fn settings_fields(class: Node, src: &str, facts: &mut CodeFacts) {
    let is_settings = class
        .child_by_field_name("superclasses")
        .is_some_and(|s| children(s).iter().any(|c| text_of(*c, src).ends_with("BaseSettings")));
    let Some(body) = class.child_by_field_name("body").filter(|_| is_settings) else { return };
    let prefix = env_prefix(body, src).unwrap_or_default();
    for stmt in children(body).into_iter().filter(|s| s.kind() == "expression_statement") {
        let Some(a) = children(stmt).into_iter().find(|c| c.kind() == "assignment") else { continue };
        let Some(left) = a.child_by_field_name("left").filter(|l| l.kind() == "identifier") else { continue };
        let field = text_of(left, src);
        if a.child_by_field_name("type").is_none() || field.starts_with('_') || field == "model_config" {
            continue;
        }
        let field_call = a
            .child_by_field_name("right")
            .filter(|r| r.kind() == "call")
            .filter(|r| r.child_by_field_name("function").is_some_and(|f| text_of(f, src).ends_with("Field")));
        let kws = field_call.map(|c| keywords(c, src)).unwrap_or_default();
        let description = kws.iter().find(|(k, _)| k == "description").and_then(|(_, v)| text_value(*v, src));
        let aliased: Vec<_> = kws
            .iter()
            .filter(|(k, _)| k == "alias" || k == "validation_alias")
            .flat_map(|(_, v)| names(*v, src))
            .collect();
        if aliased.is_empty() {
            let name = format!("{prefix}{field}").to_ascii_uppercase();
            push(facts, vec![(name, left.start_byte(), left.end_byte())], &description);
        } else {
            push(facts, aliased, &description);
        }
    }
}

/// The `env_prefix` of a settings class: `model_config = SettingsConfigDict(env_prefix="X")` or
/// `class Config: env_prefix = "X"`.
fn env_prefix(body: Node, src: &str) -> Option<String> {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "keyword_argument" if n.child_by_field_name("name").is_some_and(|k| text_of(k, src) == "env_prefix") => {
                return n.child_by_field_name("value").and_then(|v| text_value(v, src));
            }
            "assignment" if n.child_by_field_name("left").is_some_and(|k| text_of(k, src) == "env_prefix") => {
                return n.child_by_field_name("right").and_then(|v| text_value(v, src));
            }
            // A nested class other than `Config` has settings of its own.
            "class_definition" if n.child_by_field_name("name").is_some_and(|k| text_of(k, src) != "Config") => {}
            _ => stack.extend(children(n)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn reads(src: &str) -> Vec<(String, Option<String>)> {
        read(Lang::Python, src, None)
            .map(|f| f.reads.into_iter().map(|r| (r.name, r.description)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn click_and_typer_options() {
        let src = "@click.option('--k', envvar='DBT_A', help='Service token')\ndef f(k): pass\n";
        assert_eq!(reads(src), [("DBT_A".to_owned(), Some("Service token".to_owned()))]);
        let src = "K = typer.Option(None, envvar=['DBT_B', 'DBT_C'])\n";
        let names: Vec<String> = reads(src).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["DBT_B", "DBT_C"]);
        assert!(reads("x = f(token='DBT_TOKEN')\n").is_empty());
    }

    #[test]
    fn settings_fields() {
        let src = "class S(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='dbt_')\n    token: str = Field(None, description='A personal access token')\n    host: str = Field('h', alias='DBT_HOST')\n    _private: int = 1\n";
        assert_eq!(
            reads(src),
            [("DBT_TOKEN".to_owned(), Some("A personal access token".to_owned())), ("DBT_HOST".to_owned(), None)]
        );
        let src = "class M(BaseModel):\n    token: str = Field(None, alias='DBT_TOKEN')\n";
        assert!(reads(src).is_empty());
        let src = "class S(pydantic_settings.BaseSettings):\n    t: str = Field(validation_alias=AliasChoices('DBT_X', 'DBT_Y'))\n";
        let names: Vec<String> = reads(src).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["DBT_X", "DBT_Y"]);
    }
}
