//! Markdown to HTML an app can show as it is: pulldown-cmark renders CommonMark (with tables
//! and strikethrough), then ammonia keeps only harmless tags and attributes. Raw
//! HTML in the markdown goes through the same cleaner, so nothing an editor types can run.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Options, Parser, html};

/// Links and images may point to the web, a mail address or a phone number; nothing else
/// (no `javascript:`, `data:` or relative addresses that an app would resolve against
/// itself).
const URL_SCHEMES: [&str; 4] = ["https", "http", "mailto", "tel"];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut cleaner = Builder::default();
    cleaner
        .url_schemes(HashSet::from(URL_SCHEMES))
        .url_relative(UrlRelative::Deny)
        // Links leave the app for sites Hearth does not vouch for.
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        // An image loads as the article opens: over plain http anyone on the network would
        // learn who reads about recovery.
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !value.starts_with("https://") => None,
            _ => Some(value.into()),
        });
    cleaner
});

/// The HTML for `markdown`, with nothing left that could run or reach outside its frame.
pub fn to_safe_html(markdown: &str) -> String {
    // No footnotes: their in-page links are relative, which the cleaner removes.
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, Parser::new_ext(markdown, options));
    CLEANER.clean(&rendered).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payloads that have defeated markdown renderers and sanitisers (OWASP's XSS filter
    /// evasion list, mutation XSS, markdown link tricks).
    const XSS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><button>Go</button></form>",
        "<details open ontoggle=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"&#x6A;avascript&#x3A;alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"jav\tascript:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "![x](x \"onerror=alert(1)\")",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[link][x]",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<<script>script>alert(1)<</script>/script>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:/\">",
        "<link rel=stylesheet href=\"https://evil.example/x.css\">",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<input autofocus onfocus=alert(1)>",
        "<a href=\"/relative\" onclick=\"alert(1)\">x</a>",
        "`<script>alert(1)</script>`",
        "```html\n<script>alert(1)</script>\n```",
    ];

    /// Whether the HTML could run anything or load anything from a place it should not: a
    /// tag that runs or embeds, an event handler, an inline style, or a dangerous address.
    fn dangerous(html: &str) -> Option<&'static str> {
        let lower = html.to_lowercase();
        for tag in [
            "<script",
            "<svg",
            "<iframe",
            "<object",
            "<embed",
            "<form",
            "<style",
            "<meta",
            "<base",
            "<link",
            "<input",
            "<math",
            "<noscript",
            "<button",
        ] {
            if lower.contains(tag) {
                return Some(tag);
            }
        }
        for attribute in [
            "href=\"javascript",
            "src=\"javascript",
            "vbscript:",
            "data:",
            "style=",
        ] {
            if lower.contains(attribute) {
                return Some(attribute);
            }
        }
        let in_tags = lower
            .split('<')
            .skip(1)
            .filter_map(|tag| tag.split('>').next());
        for tag in in_tags {
            let handler = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .any(|attribute| attribute.starts_with("on") && attribute.contains('='));
            if handler {
                return Some("an event handler");
            }
        }
        None
    }

    #[test]
    fn xss_payloads_come_out_inert() {
        for payload in XSS {
            let html = to_safe_html(payload);
            assert_eq!(dangerous(&html), None, "{payload:?} became {html:?}");
        }
    }

    #[test]
    fn the_check_itself_catches_what_it_looks_for() {
        assert_eq!(dangerous("<p>Hi</p>"), None);
        assert!(dangerous("<img src=x onerror=alert(1)>").is_some());
        assert!(dangerous("<a href=\"javascript:x\">").is_some());
        assert!(dangerous("<script>").is_some());
    }

    #[test]
    fn images_load_over_https_only() {
        let html =
            to_safe_html("![a](https://cdn.example.org/a.png) ![b](http://cdn.example.org/b.png)");
        assert!(
            html.contains("src=\"https://cdn.example.org/a.png\""),
            "{html}"
        );
        assert!(!html.contains("http://cdn.example.org/b.png"), "{html}");
        let html = to_safe_html(
            "<a href=\"https://example.org\" target=\"_top\" class=\"x\" id=\"y\">x</a>",
        );
        assert!(
            !html.contains("target") && !html.contains("class") && !html.contains("id="),
            "{html}"
        );
    }

    #[test]
    fn ordinary_markdown_renders() {
        let html = to_safe_html(
            "# Your first meeting\n\nCome *as you are*. Read [the guide](https://example.org/guide).\n\n\
             - Arrive early\n- Listen\n\n| Day | Time |\n|---|---|\n| Tue | 19:00 |\n\n~~late~~\n\n\
             Call [988](tel:988) or write to [us](mailto:help@example.org).",
        );
        for expected in [
            "<h1>Your first meeting</h1>",
            "<em>as you are</em>",
            "<a href=\"https://example.org/guide\" rel=\"noopener noreferrer nofollow ugc\">the guide</a>",
            "<li>Arrive early</li>",
            "<table>",
            "<del>late</del>",
            "href=\"tel:988\"",
            "href=\"mailto:help@example.org\"",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }
}
