//! Streams `tshark -T pdml` output and keeps the synphasor PDUs with the
//! addresses of their packet.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// One PDML field.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// `name` attribute (empty for text-only items).
    pub name: String,
    /// `show` attribute.
    pub show: String,
    /// `showname` attribute.
    pub showname: String,
    /// `value` attribute (hex).
    pub value: String,
    /// `unmaskedvalue` attribute (hex).
    pub unmasked: String,
}

/// One synphasor PDU as tshark dissected it.
#[derive(Debug, Clone, Default)]
pub struct Pdu {
    /// Frame number in the capture (1-based).
    pub frame: usize,
    /// Source address and port of the packet.
    pub src: (String, u16),
    /// Destination address and port of the packet.
    pub dst: (String, u16),
    /// Fields of the PDU, in order.
    pub fields: Vec<Field>,
}

impl Pdu {
    /// First field with this name.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// All fields with this name, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.name == name)
    }
}

fn attr(line: &str, key: &str) -> String {
    let pat = format!(" {key}=\"");
    let Some(start) = line.find(&pat).map(|i| i + pat.len()) else {
        return String::new();
    };
    let rest = &line[start..];
    let end = rest.find('"').unwrap_or(rest.len());
    rest[..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Runs tshark on `file` and returns its synphasor PDUs.
pub fn synphasor_pdus(file: &Path, decode_as: Option<&str>) -> Vec<Pdu> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(file);
    if let Some(d) = decode_as {
        cmd.arg("-d").arg(d);
    }
    cmd.args(["-Y", "synphasor", "-T", "pdml"]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tshark");
    let stdout = child.stdout.take().expect("tshark stdout");
    let mut pdus = Vec::new();
    let mut frame = 0usize;
    let mut src = (String::new(), 0u16);
    let mut dst = (String::new(), 0u16);
    let mut current: Option<Pdu> = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read tshark output");
        let t = line.trim_start();
        if t.starts_with("<packet>") {
            frame = 0;
        } else if t.starts_with("<proto name=\"synphasor\"") {
            current = Some(Pdu {
                frame,
                src: src.clone(),
                dst: dst.clone(),
                fields: Vec::new(),
            });
        } else if t.starts_with("</proto>") {
            if let Some(p) = current.take() {
                pdus.push(p);
            }
        } else if t.starts_with("<field") {
            let name = attr(t, "name");
            match (current.as_mut(), name.as_str()) {
                (Some(p), _) => p.fields.push(Field {
                    name,
                    show: attr(t, "show"),
                    showname: attr(t, "showname"),
                    value: attr(t, "value"),
                    unmasked: attr(t, "unmaskedvalue"),
                }),
                (None, "num") => frame = attr(t, "show").parse().unwrap_or(0),
                (None, "ip.src") => src.0 = attr(t, "show"),
                (None, "ip.dst") => dst.0 = attr(t, "show"),
                (None, "tcp.srcport" | "udp.srcport") => {
                    src.1 = attr(t, "show").parse().unwrap_or(0)
                }
                (None, "tcp.dstport" | "udp.dstport") => {
                    dst.1 = attr(t, "show").parse().unwrap_or(0)
                }
                _ => {}
            }
        }
    }
    let _ = child.wait();
    pdus
}
