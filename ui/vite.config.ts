import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The app is served only to the Tauri webview: no external host, no CDN, no network.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Only index.html is built: mock.html (browser tests) never ships.
    rollupOptions: { input: "index.html" },
  },
});
