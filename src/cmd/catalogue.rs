//! `zkcred catalogue list|show|template`: finding credential types and
//! their attribute names.

use std::io::Write;

use anyhow::{anyhow, Result};
use clap::Subcommand;
use serde_json::Value;
use zkcred_credential::catalogue::HolderKind;
use zkcred_credential::{Catalogue, CredentialType, Sensitivity};

use super::{Context, Status};

/// `zkcred catalogue …`.
#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// List the credential types: identifier, Chinese and English names, holder.
    List {
        /// Machine output: the types as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Show a credential type's attributes: name, type, required or optional,
    /// sensitivity and Chinese label.
    Show {
        /// The type identifier (see `zkcred catalogue list`).
        #[arg(value_name = "TYPE")]
        credential_type: String,
        /// Machine output: the type as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a JSON object with every attribute of TYPE set to null, to fill
    /// in for `zkcred issuer issue` (null or missing means absent).
    Template {
        /// The type identifier.
        #[arg(value_name = "TYPE")]
        credential_type: String,
    },
}

/// The credential type `id`, or an error that points to similar types.
pub(crate) fn lookup<'c>(catalogue: &'c Catalogue, id: &str) -> Result<&'c CredentialType> {
    if let Some(t) = catalogue.get(id) {
        return Ok(t);
    }
    let needle = id.to_lowercase();
    let similar: Vec<&str> = catalogue
        .types()
        .filter(|t| {
            !needle.is_empty()
                && (t.id.contains(&needle)
                    || t.name_en.to_lowercase().contains(&needle)
                    || t.name_zh.contains(id))
        })
        .map(|t| t.id.as_str())
        .take(5)
        .collect();
    let hint = if similar.is_empty() {
        "`zkcred catalogue list` shows the types".to_string()
    } else {
        format!("did you mean {}?", similar.join(", "))
    };
    Err(anyhow!(
        "unknown credential type {:?}: {hint}",
        super::display::safe(id)
    ))
}

fn holder(h: HolderKind) -> &'static str {
    match h {
        HolderKind::Person => "person",
        HolderKind::Organisation => "organisation",
    }
}

fn sensitivity(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Low => "low",
        Sensitivity::Medium => "medium",
        Sensitivity::High => "high",
    }
}

impl CatalogueCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        let catalogue = Catalogue::builtin();
        match self {
            CatalogueCommand::List { json } => list(ctx, catalogue, json),
            CatalogueCommand::Show {
                credential_type,
                json,
            } => show(ctx, lookup(catalogue, &credential_type)?, json),
            CatalogueCommand::Template { credential_type } => {
                // Written by hand to keep the catalogue's order.
                let t = lookup(catalogue, &credential_type)?;
                writeln!(ctx.stdout, "{{")?;
                for (i, a) in t.attributes.iter().enumerate() {
                    let comma = if i + 1 < t.attributes.len() { "," } else { "" };
                    writeln!(
                        ctx.stdout,
                        "  {}: null{comma}",
                        Value::from(a.name.as_str())
                    )?;
                }
                writeln!(ctx.stdout, "}}")?;
                Ok(Status::Success)
            }
        }
    }
}

fn list(ctx: &mut Context<'_>, catalogue: &Catalogue, json: bool) -> Result<Status> {
    if json {
        let all: Vec<&CredentialType> = catalogue.types().collect();
        writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&all)?)?;
        return Ok(Status::Success);
    }
    let width = catalogue.types().map(|t| t.id.len()).max().unwrap_or(0);
    // Chinese characters take two columns in a terminal.
    let columns = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
    };
    let zh = catalogue
        .types()
        .map(|t| columns(&t.name_zh))
        .max()
        .unwrap_or(0);
    for t in catalogue.types() {
        let pad = " ".repeat(zh - columns(&t.name_zh));
        writeln!(
            ctx.stdout,
            "{:<width$}  {:<12}  {}{pad}  {}",
            t.id,
            holder(t.holder),
            t.name_zh,
            t.name_en
        )?;
    }
    Ok(Status::Success)
}

fn show(ctx: &mut Context<'_>, t: &CredentialType, json: bool) -> Result<Status> {
    if json {
        writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(t)?)?;
        return Ok(Status::Success);
    }
    let out = &mut ctx.stdout;
    writeln!(out, "{}", super::display::title(t))?;
    writeln!(out, "holder:    {}", holder(t.holder))?;
    writeln!(out, "type code: {}", t.type_code)?;
    if !t.issuing_authorities.is_empty() {
        writeln!(out, "issued by: {}", t.issuing_authorities.join(", "))?;
    }
    if t.license_number_format.is_some() {
        writeln!(out, "license_number: the holder's ID number (holder_id)")?;
    }
    writeln!(
        out,
        "{} attributes (the national metadata first, then the type's own):",
        t.attributes.len()
    )?;
    let width = t.attributes.iter().map(|a| a.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "  {:<width$}  {:<7}  {:<8}  {:<11}  label",
        "name", "type", "presence", "sensitivity"
    )?;
    for a in &t.attributes {
        let limit = a
            .max_length
            .map(|m| format!("  (at most {m} octets)"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<width$}  {:<7}  {:<8}  {:<11}  {}{limit}",
            a.name,
            a.ty.name(),
            if a.optional { "optional" } else { "required" },
            sensitivity(a.sensitivity),
            a.label_zh.as_deref().unwrap_or("-"),
        )?;
    }
    writeln!(
        out,
        "Values in JSON: string as text, date as \"YYYY-MM-DD\", integer as a number, \
         boolean as true/false, bytes as hex, absent as null."
    )?;
    Ok(Status::Success)
}
