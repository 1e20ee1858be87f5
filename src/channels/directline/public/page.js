// The local web chat page: the stock Web Chat control on our self-hosted Direct Line.
(function () {
  // An IME confirms a kana-kanji conversion with Enter. That Enter belongs to the IME, so it must
  // never reach Web Chat's send box (which would send a half-typed message).
  function swallowImeEnter(event) {
    if (event.key !== 'Enter' || !(event.isComposing || event.keyCode === 229)) return;
    event.stopImmediatePropagation();
    // Web Chat no longer sees the keypress, so nothing cancels its default action: the send box's
    // form would be submitted implicitly and still send the text.
    if (event.type === 'keypress') event.preventDefault();
  }
  window.addEventListener('keydown', swallowImeEnter, true);
  window.addEventListener('keypress', swallowImeEnter, true);

  function showError(text) {
    var status = document.createElement('p');
    status.id = 'status';
    status.textContent = text;
    document.getElementById('webchat').appendChild(status);
  }

  fetch('/api/webchat/token', { method: 'POST' })
    .then(function (res) {
      if (!res.ok) throw new Error('token ' + res.status);
      return res.json();
    })
    .then(function (session) {
      // Web Chat's defaults, as a vendor's page has them: activities arrive over a WebSocket.
      var directLine = window.WebChat.createDirectLine({
        token: session.token,
        domain: new URL('/v3/directline', window.location.href).href,
      });
      window.WebChat.renderWebChat(
        { directLine: directLine, locale: 'ja-JP', userID: 'webchat-user', styleOptions: { botAvatarInitials: 'HD', hideUploadButton: true } },
        document.getElementById('webchat'),
      );
    })
    .catch(function () {
      showError('チャットを開始できませんでした。しばらくしてから再読み込みしてください。');
    });
})();
