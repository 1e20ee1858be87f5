// xmlhttprequest-ssl ships no types; the tests only install it as the global XMLHttpRequest.
declare module 'xmlhttprequest-ssl' {
  const XMLHttpRequest: new () => unknown;
  export = XMLHttpRequest;
}
