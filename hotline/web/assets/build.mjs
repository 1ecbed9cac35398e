// Builds the web UI's assets into hotline/web/static/dist/ from npm packages (run by `npm run build`,
// which `./dev setup` calls). Nothing is fetched at run time: the browser only loads these files.
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const out = join(here, "..", "static", "dist");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: join(here, "app.js"), styles: join(here, "app.css") },
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  outdir: out,
  loader: { ".woff2": "file", ".woff": "file" },
  assetNames: "fonts/[name]",
  logLevel: "warning",
  legalComments: "none",
});

// One SVG sprite of the Lucide icons the templates use: <svg><use href="…/icons.svg#name"></svg>.
const ICONS = [
  "inbox", "layout-dashboard", "phone-incoming", "list", "users", "search", "plus", "user", "lock",
  "message-square", "paperclip", "arrow-up-right", "arrow-right-left", "git-merge", "scissors", "link",
  "circle-check", "clock", "triangle-alert", "eye", "log-out", "globe", "star", "x", "chevron-down", "filter",
  "save", "refresh-cw", "building-2", "mail", "phone", "keyboard", "send", "sticky-note", "bell", "user-check",
  "chart-column", "ticket", "headset", "file", "settings", "trash-2", "external-link", "history", "shield-check",
  "arrow-left", "user-plus", "circle-alert", "info", "check", "list-filter", "chevrons-up-down", "arrow-up",
  "arrow-down", "square-pen", "message-circle-reply", "gauge",
];
const iconDir = join(root, "node_modules", "lucide-static", "icons");
const symbols = ICONS.map((name) => {
  const svg = readFileSync(join(iconDir, `${name}.svg`), "utf8");
  const inner = svg.replace(/<!--[\s\S]*?-->/g, "").replace(/^[\s\S]*?<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
  return `<symbol id="${name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${inner.replace(/\s+/g, " ").trim()}</symbol>`;
});
writeFileSync(
  join(out, "icons.svg"),
  `<svg xmlns="http://www.w3.org/2000/svg"><!-- Lucide icons (ISC licence) -->${symbols.join("")}</svg>\n`,
);
