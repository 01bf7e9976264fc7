/**
 * A minimal stand-in for the shop front end's password reset page, served by the local stack
 * only (`npm start`): the reset email links to `<APP_BASE_URL>/reset-password?token=…`, and
 * locally APP_BASE_URL is the API itself, so a newcomer can finish the flow from the mail
 * viewer. A plain form; its script (no inline script: `script-src 'self'`) posts
 * `{token, password}` to `POST /auth/password/reset` and shows the answer.
 */
export interface LocalPage {
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose a new password</title>
<script src="/reset-password.js" defer></script>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto;line-height:1.5}label,input,button{display:block;width:100%;margin:.25rem 0}input{padding:.4rem}button{padding:.5rem;margin-top:1rem}#result{margin-top:1rem}</style>
</head>
<body>
<h1>Choose a new password</h1>
<p>Local development page of the Order Management API (the shop's front end serves this page in production).</p>
<form id="reset">
<label for="password">New password (8 to 72 bytes)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<label for="confirm">Repeat it</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit">Set the new password</button>
</form>
<p id="result" role="status"></p>
</body>
</html>
`;

const script = `document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('reset');
  const result = document.getElementById('result');
  const token = new URLSearchParams(location.search).get('token');
  if (!token) {
    result.textContent = 'This link has no reset token: open the link of the email again.';
    form.hidden = true;
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    if (password !== form.elements.confirm.value) {
      result.textContent = 'The two passwords differ.';
      return;
    }
    result.textContent = 'Saving...';
    const response = await fetch('/auth/password/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, password }),
    });
    if (response.status === 204) {
      form.hidden = true;
      result.textContent = 'Your password has been changed. You can log in with it now.';
      return;
    }
    const body = await response.json().catch(() => ({}));
    result.textContent = 'The password was not changed: ' + (body.error ? body.error.message : 'HTTP ' + response.status);
  });
});
`;

const security = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/** Path → page, for the local gateway's `pages`. */
export const resetPasswordPages: Record<string, LocalPage> = {
  '/reset-password': { contentType: 'text/html; charset=utf-8', body: html, headers: security },
  '/reset-password.js': { contentType: 'text/javascript; charset=utf-8', body: script, headers: security },
};
