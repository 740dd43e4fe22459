// The tablet's stylesheet (issue 11 item 5): the design tokens, the Utrecht component library and
// wijkaanpak.css reduced to what the tablet's pages use, so that the route page carries its CSS
// inline instead of ~600 kB of render-blocking stylesheets. Built offline by the Makefile's
// assets target (PurgeCSS, then lightningcss --minify); wijkaanpak.core.offline inlines it.
// A class the tablet's templates or scripts compose from parts must be safelisted here.
module.exports = {
  content: [
    "templates/base.html",
    "templates/components/*.html",
    "templates/controls/tablet/*.html",
    "static/js/tablet.js",
    "static/js/offline-queue.js",
  ],
  // Custom properties nobody reads go too (most of the design tokens); PurgeCSS keeps the ones
  // other kept properties refer to.
  variables: true,
  keyframes: true,
  fontFace: true,
  safelist: {
    standard: ["utrecht-theme", "html", "body", /^utrecht-alert--/, /^utrecht-button--/],
  },
};
