// xmlhttprequest-ssl ships no types; the tests install it as the global XMLHttpRequest, adjusted
// where it differs from a browser's (directLineJs.ts), for which its status is read.
declare module 'xmlhttprequest-ssl' {
  const XMLHttpRequest: new () => { readonly status: number };
  export = XMLHttpRequest;
}
