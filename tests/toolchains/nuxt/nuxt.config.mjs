// Nuxt's defaults; the preset (cloudflare-module) is chosen on the command line.
export default defineNuxtConfig({ compatibilityDate: "2026-04-01" });
