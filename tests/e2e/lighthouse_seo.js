() => {
  // Lighthouse's SEO audits, evaluated in the page: the list of the ones that fail.
  const failures = [];
  const fail = (audit, detail) => failures.push(audit + ": " + detail);
  if (!document.title.trim()) fail("document-title", "empty");
  const description = document.querySelector('meta[name="description"]');
  if (!description || !description.content.trim()) fail("meta-description", "missing or empty");
  const viewport = document.querySelector('meta[name="viewport"]');
  if (!viewport || !/width=|initial-scale/.test(viewport.content)) fail("viewport", "missing");
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(document.documentElement.lang)) fail("html-has-lang", "none");
  const vague = new Set(["click here", "click this", "go", "here", "information", "learn more",
    "more", "more info", "more information", "right here", "read more", "see more", "start",
    "this", "link", "continue", "details"]);
  for (const a of document.querySelectorAll("a[href]")) {
    const text = a.textContent.trim().toLowerCase().replace(/\s+/g, " ");
    const href = a.getAttribute("href");
    if (vague.has(text) && !href.startsWith("#")) fail("link-text", text);
  }
  for (const a of document.querySelectorAll("a")) {
    const href = a.getAttribute("href");
    const named = a.hasAttribute("name") || a.hasAttribute("id");
    if (href === null && !named && !a.closest("[hidden]")) fail("crawlable-anchors", a.outerHTML);
    if (href !== null && (/^\s*javascript:/i.test(href) || href.trim() === "")) fail("crawlable-anchors", a.outerHTML);
  }
  for (const meta of document.querySelectorAll('meta[name="robots"], meta[name="googlebot"]')) {
    if (/noindex|none/i.test(meta.content)) fail("is-crawlable", meta.content);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) fail("image-alt", img.outerHTML);
  }
  for (const link of document.querySelectorAll("link[hreflang]")) {
    if (!/^([a-z]{2,3}(-[A-Za-z0-9]+)*|x-default)$/.test(link.hreflang)) fail("hreflang", link.hreflang);
    if (!/^https?:\/\//.test(link.getAttribute("href") || "")) fail("hreflang", "relative href");
  }
  const canonicals = [...new Set([...document.querySelectorAll('link[rel="canonical"]')].map(l => l.getAttribute("href")))];
  if (canonicals.length > 1) fail("canonical", "several");
  if (canonicals.length === 1) {
    let url;
    try { url = new URL(canonicals[0]); } catch (e) { fail("canonical", "invalid"); }
    if (url) {
      if (!/^https?:\/\//.test(canonicals[0])) fail("canonical", "relative");
      if (url.hostname !== location.hostname) fail("canonical", "another domain: " + url.hostname);
      if (url.pathname === "/" && location.pathname !== "/") fail("canonical", "points at the root");
    }
  }
  if (document.querySelector("object, embed, applet")) fail("plugins", "present");
  return failures;
}
