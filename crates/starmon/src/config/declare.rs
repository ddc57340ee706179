//! How a settings table is declared once and everything else follows from it: the
//! [`settings!`] macro turns one declaration per setting (doc comment, type, default) into the
//! struct (deserialized from TOML, unknown keys refused), its `Default`, its part of the
//! commented default file, and its `STARMON_<SECTION>_<KEY>` environment variable. The
//! [`Setting`] trait says how one value is printed and read from the environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{ConfigError, RuleConfig};

/// What the printed file says about one setting.
pub(super) struct Doc<'a> {
    pub key: &'a str,
    /// The doc comment's lines, each still with its leading space.
    pub lines: &'a [&'a str],
    /// Its environment variable; for a table, the prefix of its settings' variables.
    pub env: String,
    /// Shown commented out when the default is "not set".
    pub example: Option<&'a str>,
}

/// One declared setting: a value, a table of settings, or a table the file fills in freely.
pub(super) trait Setting {
    /// Appends the doc comment and `key = default` (or the table) to the printed file.
    fn write(&self, out: &mut String, doc: &Doc);
    /// Overrides the value from the environment variable `name`, if set.
    fn apply_env(
        &mut self,
        name: &str,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError>;
    /// Lists (file key, environment variable) of every value under this one.
    fn keys(&self, path: &str, env: &str, out: &mut Vec<(String, String)>);
}

/// A value a setting can hold: how the file writes it and how the environment gives it.
pub(super) trait Value: Sized {
    /// How the environment variable is written, for the printed file.
    const ENV_FORMAT: &'static str = "";
    /// The TOML for the value; `None` for "not set".
    fn toml(&self) -> Option<String>;
    fn from_env(name: &str, value: String) -> Result<Self, ConfigError>;
}

pub(super) fn env_error(name: &str, value: String, reason: &str) -> ConfigError {
    ConfigError::Env {
        name: name.into(),
        value,
        reason: reason.into(),
    }
}

pub(super) fn env_name(prefix: &str, key: &str) -> String {
    format!("{prefix}_{}", key.to_ascii_uppercase())
}

pub(super) fn write_comment(out: &mut String, lines: &[&str]) {
    for line in lines {
        out.push('#');
        out.push_str(line);
        out.push('\n');
    }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn toml(&self) -> Option<String> {
                Some(self.to_string())
            }
            fn from_env(name: &str, value: String) -> Result<Self, ConfigError> {
                value
                    .trim()
                    .parse()
                    .map_err(|_| env_error(name, value, "not a whole number"))
            }
        }
    )*};
}
whole_numbers!(u32, u64, usize);

impl Value for f64 {
    fn toml(&self) -> Option<String> {
        // Debug keeps the ".0" TOML needs to read a float back as a float.
        Some(format!("{self:?}"))
    }
    fn from_env(name: &str, value: String) -> Result<Self, ConfigError> {
        value
            .trim()
            .parse()
            .map_err(|_| env_error(name, value, "not a number"))
    }
}

impl Value for bool {
    const ENV_FORMAT: &'static str = " (true/false, yes/no, on/off, 1/0)";
    fn toml(&self) -> Option<String> {
        Some(self.to_string())
    }
    fn from_env(name: &str, value: String) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(env_error(name, value, "not true or false")),
        }
    }
}

impl Value for String {
    fn toml(&self) -> Option<String> {
        Some(toml::Value::String(self.clone()).to_string())
    }
    fn from_env(_: &str, value: String) -> Result<Self, ConfigError> {
        Ok(value)
    }
}

impl Value for PathBuf {
    fn toml(&self) -> Option<String> {
        Some(toml::Value::String(self.display().to_string()).to_string())
    }
    fn from_env(_: &str, value: String) -> Result<Self, ConfigError> {
        Ok(value.into())
    }
}

/// A list is comma-separated in the environment: a variable holds one line, not a TOML array.
impl Value for Vec<String> {
    const ENV_FORMAT: &'static str = " (comma-separated)";
    fn toml(&self) -> Option<String> {
        let items: Vec<String> = self.iter().filter_map(Value::toml).collect();
        Some(format!("[{}]", items.join(", ")))
    }
    fn from_env(_: &str, value: String) -> Result<Self, ConfigError> {
        Ok(value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect())
    }
}

impl<T: Value> Value for Option<T> {
    const ENV_FORMAT: &'static str = T::ENV_FORMAT;
    fn toml(&self) -> Option<String> {
        self.as_ref().and_then(Value::toml)
    }
    fn from_env(name: &str, value: String) -> Result<Self, ConfigError> {
        T::from_env(name, value).map(Some)
    }
}

/// A plain value: `key = value`, or commented out with its example when not set.
macro_rules! value_settings {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn write(&self, out: &mut String, doc: &Doc) {
                write_comment(out, doc.lines);
                out.push_str(&format!("# env {}{}\n", doc.env, <$t as Value>::ENV_FORMAT));
                match (self.toml(), doc.example) {
                    (Some(v), _) => out.push_str(&format!("{} = {v}\n", doc.key)),
                    (None, Some(e)) => out.push_str(&format!("# {} = {e}\n", doc.key)),
                    (None, None) => out.push_str(&format!("# {} =\n", doc.key)),
                }
            }
            fn apply_env(
                &mut self,
                name: &str,
                get: &dyn Fn(&str) -> Option<String>,
            ) -> Result<(), ConfigError> {
                if let Some(v) = get(name) {
                    *self = <$t as Value>::from_env(name, v)?;
                }
                Ok(())
            }
            fn keys(&self, path: &str, env: &str, out: &mut Vec<(String, String)>) {
                out.push((path.to_string(), env.to_string()));
            }
        }
    )*};
}
value_settings!(
    u32,
    u64,
    usize,
    f64,
    bool,
    String,
    PathBuf,
    Vec<String>,
    Option<usize>,
    Option<String>
);

/// `[alerts.rules.<id>]` tables: keyed by rule id, so only the file sets them; the doc
/// comment shows an example.
impl Setting for BTreeMap<String, RuleConfig> {
    fn write(&self, out: &mut String, doc: &Doc) {
        write_comment(out, doc.lines);
    }
    fn apply_env(
        &mut self,
        _: &str,
        _: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        Ok(())
    }
    fn keys(&self, _: &str, _: &str, _: &mut Vec<(String, String)>) {}
}

/// Declares settings tables. Each field is `/// doc` lines, `name: Type = default`, and for a
/// setting whose default is "not set", `; example "value"` to show commented out. A field whose
/// type is another declared table is a `[section]` (declared after the plain values, as TOML
/// requires).
macro_rules! settings {
    ($(
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr $(; example $ex:literal)?
            ),* $(,)?
        }
    )*) => {$(
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $name {
            /// The settings of this table in the printed file, variables under `env_prefix`.
            fn write_fields(&self, out: &mut String, env_prefix: &str) {
                $({
                    let example: &[&str] = &[$($ex)?];
                    $crate::config::declare::Setting::write(
                        &self.$field,
                        out,
                        &$crate::config::declare::Doc {
                            key: stringify!($field),
                            lines: &[$($doc),*],
                            env: $crate::config::declare::env_name(env_prefix, stringify!($field)),
                            example: example.first().copied(),
                        },
                    );
                })*
            }

            fn apply_env_fields(
                &mut self,
                env_prefix: &str,
                get: &dyn Fn(&str) -> Option<String>,
            ) -> Result<(), ConfigError> {
                $(
                    $crate::config::declare::Setting::apply_env(
                        &mut self.$field,
                        &$crate::config::declare::env_name(env_prefix, stringify!($field)),
                        get,
                    )?;
                )*
                Ok(())
            }

            fn keys_under(&self, path: &str, env_prefix: &str, out: &mut Vec<(String, String)>) {
                $(
                    $crate::config::declare::Setting::keys(
                        &self.$field,
                        &format!("{path}{}", stringify!($field)),
                        &$crate::config::declare::env_name(env_prefix, stringify!($field)),
                        out,
                    );
                )*
            }
        }

        /// As a `[section]` of the file; its variables are `STARMON_<SECTION>_<KEY>`.
        impl $crate::config::declare::Setting for $name {
            fn write(&self, out: &mut String, doc: &$crate::config::declare::Doc) {
                out.push('\n');
                out.push_str(&format!("[{}]\n", doc.key));
                $crate::config::declare::write_comment(out, doc.lines);
                out.push('\n');
                self.write_fields(out, &doc.env);
            }
            fn apply_env(
                &mut self,
                name: &str,
                get: &dyn Fn(&str) -> Option<String>,
            ) -> Result<(), ConfigError> {
                self.apply_env_fields(name, get)
            }
            fn keys(&self, path: &str, env: &str, out: &mut Vec<(String, String)>) {
                self.keys_under(&format!("{path}."), env, out);
            }
        }
    )*};
}
pub(super) use settings;
