//! File positions for load errors: JSON paths and their `line:column`.
//!
//! serde reports where the *text* went wrong (syntax, unknown field, wrong
//! type) as a line and a column; the validation passes that run afterwards
//! (unknown attributes, contradictory rules) know only the JSON path of the
//! offending value. [`locate`] maps such a path back to the line and column
//! where the value starts, by scanning the (already parsed, so well-formed)
//! text once. Lines and columns are 1-based; columns count characters, not
//! bytes, so a position after Chinese text matches what an editor shows.

use std::fmt;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path into a JSON document, shown as a JSON pointer (RFC 6901).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath(pub Vec<Seg>);

impl JsonPath {
    /// The document root.
    pub fn root() -> Self {
        JsonPath(Vec::new())
    }

    /// This path extended by an object member.
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_owned()));
        JsonPath(v)
    }

    /// This path extended by an array element.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        JsonPath(v)
    }

    /// Converts a `serde_path_to_error` path.
    pub fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        JsonPath(
            path.iter()
                .filter_map(|s| match s {
                    Segment::Map { key } => Some(Seg::Key(key.clone())),
                    Segment::Seq { index } => Some(Seg::Index(*index)),
                    Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                    Segment::Unknown => None,
                })
                .collect(),
        )
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("/");
        }
        for s in &self.0 {
            match s {
                Seg::Key(k) => write!(f, "/{}", k.replace('~', "~0").replace('/', "~1"))?,
                Seg::Index(i) => write!(f, "/{i}")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Converts serde_json's position (its column counts bytes) to characters.
pub fn from_serde_json(text: &str, line: usize, byte_column: usize) -> LineCol {
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return LineCol {
            line,
            column: byte_column,
        };
    };
    let mut end = byte_column.min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    LineCol {
        line,
        column: l[..end].chars().count().max(1),
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    col: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                // Count characters: continuation bytes do not start one.
                self.col += 1;
            }
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn here(&self) -> LineCol {
        LineCol {
            line: self.line,
            column: self.col,
        }
    }

    /// Reads a string token, returning its decoded text.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return None;
        }
        self.bump();
        loop {
            match self.peek()? {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'"' => {
                    self.bump();
                    break;
                }
                _ => self.bump(),
            }
        }
        serde_json::from_str(&self.text[start..self.pos]).ok()
    }

    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.bump();
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.bump();
                }
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.bump();
                }
            }
        }
        Some(())
    }

    fn descend(&mut self, path: &[Seg]) -> Option<LineCol> {
        self.ws();
        let Some((first, rest)) = path.split_first() else {
            return Some(self.here());
        };
        match first {
            Seg::Key(k) => {
                if self.peek()? != b'{' {
                    return None;
                }
                self.bump();
                loop {
                    self.ws();
                    if self.peek()? == b'}' {
                        return None;
                    }
                    let name = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.bump();
                    if &name == k {
                        return self.descend(rest);
                    }
                    self.skip_value()?;
                    self.ws();
                    if self.peek()? == b',' {
                        self.bump();
                    }
                }
            }
            Seg::Index(i) => {
                if self.peek()? != b'[' {
                    return None;
                }
                self.bump();
                let mut n = 0;
                loop {
                    self.ws();
                    if self.peek()? == b']' {
                        return None;
                    }
                    if n == *i {
                        return self.descend(rest);
                    }
                    self.skip_value()?;
                    self.ws();
                    if self.peek()? == b',' {
                        self.bump();
                    }
                    n += 1;
                }
            }
        }
    }
}

/// Where the value at `path` starts in the JSON `text`; for a path that does
/// not exist, where its deepest existing ancestor starts.
pub fn locate(text: &str, path: &JsonPath) -> LineCol {
    for len in (0..=path.0.len()).rev() {
        let mut s = Scanner {
            b: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
            col: 1,
        };
        if let Some(p) = s.descend(&path.0[..len]) {
            return p;
        }
    }
    LineCol { line: 1, column: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"名称\": \"酒店\", \"a\": {\"b\": [1, {\"c\": \"x\\\"y\"}, \"z\"]},\n  \"d\": [ ],\n  \"e/f\": true\n}";

    fn at(path: JsonPath) -> (usize, usize) {
        let p = locate(DOC, &path);
        (p.line, p.column)
    }

    #[test]
    fn locates_values_by_path() {
        let r = JsonPath::root();
        assert_eq!(at(r.clone()), (1, 1));
        // Columns count characters: "名称" is two characters of three bytes each.
        assert_eq!(at(r.key("名称")), (2, 9));
        assert_eq!(at(r.key("a")), (2, 20));
        assert_eq!(at(r.key("a").key("b").index(0)), (2, 27));
        assert_eq!(at(r.key("a").key("b").index(1).key("c")), (2, 36));
        assert_eq!(at(r.key("a").key("b").index(2)), (2, 45));
        assert_eq!(at(r.key("e/f")), (4, 10));
        // Missing members fall back to the nearest ancestor.
        assert_eq!(at(r.key("d").index(3)), (3, 8));
        assert_eq!(at(r.key("nope")), (1, 1));
        assert_eq!(r.key("e/f").index(2).to_string(), "/e~1f/2");
        assert_eq!(r.to_string(), "/");
    }

    #[test]
    fn serde_json_columns_become_characters() {
        let text = "{\"名\": 1,\n \"名称\": x}";
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let p = from_serde_json(text, e.line(), e.column());
        assert_eq!(
            (p.line, p.column),
            (2, 8),
            "serde said {}:{}",
            e.line(),
            e.column()
        );
    }
}
