// restify pulls in spdy → http-deceiver, which calls process.binding('http_parser') when loaded and
// so prints DEP0111 in every process that starts the server. Only that one warning is dropped, so
// the test output stays readable; every other warning still shows. Import this before src/app.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const options = rest[0];
  const code = typeof options === 'object' && options !== null ? (options as { code?: string }).code : rest[1];
  if (code === 'DEP0111') return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
