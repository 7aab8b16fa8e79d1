//! The little HTML the packages and the accounting need: escaping and one
//! self-contained page shell (inline styles, no scripts, nothing fetched),
//! so a page opens the same offline, printed or attached to a letter.

/// Escapes text for an HTML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A complete page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

/// The package page's own stylesheet, inlined in `<style>` so the page is
/// whole on its own; a server that sends it names this text's hash in its
/// content security policy.
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;background:#fff;\
line-height:1.5;margin:0}main{max-width:52rem;margin:0 auto;padding:1.5rem}h1{font-size:1.6rem}\
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #ddd}\
.notice{border:2px solid #8a1c1c;padding:.75rem 1rem;background:#fff5f5}.muted{color:#555}\
pre{white-space:pre-wrap;font-family:inherit;margin:0}p,li,td,dd,code{overflow-wrap:anywhere}\
@media (max-width:44rem){main{padding:1rem .75rem}table,thead,tbody,tr,th,td{display:block;width:100%}\
thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
tbody tr{border:1px solid #ccc;border-radius:6px;margin:0 0 .75rem;padding:.25rem .5rem}td{border:0;padding:.25rem 0}}\
@media print{body{font-size:11pt;color:#000}main{max-width:none;padding:0}h2{break-after:avoid}\
tr,pre,.notice{break-inside:avoid}.notice{background:none}a{color:#000;text-decoration:none}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(escape("<script>alert('x')</script> & \"y\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
        assert!(page("<t>", "").contains("<title>&lt;t&gt;</title>"));
    }
}
