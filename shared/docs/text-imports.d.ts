/** Files imported with `with { type: 'text' }` (esbuild inlines them as strings). */
declare module 'openapi-explorer/dist/browser/openapi-explorer.min.js' {
  const text: string;
  export default text;
}
