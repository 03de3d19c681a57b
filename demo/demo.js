// The demo shop's own script: what a site owner would write around the Kefu page API.
;(function () {
  function log(text) {
    var li = document.createElement('li')
    li.textContent = new Date().toLocaleTimeString() + '  ' + text
    document.getElementById('events').prepend(li)
  }
  ;['message', 'unread', 'open', 'close'].forEach(function (name) {
    Kefu('on', name, function (data) {
      log(name + (data == null ? '' : ' ' + JSON.stringify(data)))
    })
  })
  document.querySelectorAll('[data-kefu]').forEach(function (b) {
    b.addEventListener('click', function () { Kefu(b.getAttribute('data-kefu')) })
  })
  function signIn(user) {
    fetch('/demo/api/identify-token?user=' + user)
      .then(function (r) { return r.json() })
      .then(function (body) {
        Kefu('identify', { token: body.userToken })
        log('identify ' + user)
      })
  }
  document.getElementById('login-alice').onclick = function () { signIn('alice') }
  document.getElementById('login-bob').onclick = function () { signIn('bob') }
  document.getElementById('attrs').onclick = function () { Kefu('setAttributes', { plan: 'gold', cart: 3 }) }
  // The page API has no "send" (a host page must not speak for the visitor): copy the question, open the chat.
  document.querySelectorAll('[data-ask]').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.getAttribute('data-ask')
      var note = document.getElementById('ask-note')
      Kefu('open')
      var copied = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard'))
      copied.then(
        function () { note.textContent = 'Copied “' + text + '”: paste it in the chat (Ctrl+V). 已复制，粘贴到对话框发送。' },
        function () { note.textContent = 'Type “' + text + '” in the chat. 请在对话框输入：' + text }
      )
    })
  })
  document.getElementById('zh').onclick = function () { Kefu('setLocale', 'zh-CN') }
  document.getElementById('en').onclick = function () { Kefu('setLocale', 'en') }
})()
