// The sign-in page of a service with an OpenID provider. The server cannot see the part of the
// address after "#" (the batch the person was on when their session ended): the browser kept it
// through the redirect here but never sends it, and the provider's sign-in form would drop it. So
// it is added here to where the person comes back to, before going on to the provider.
const params = new URLSearchParams(location.search);
let next = params.get('next') || '/';
if (location.hash.length > 1 && !next.includes('#')) next += location.hash;
const start = '/signin/start?next=' + encodeURIComponent(next);
document.getElementById('continue').setAttribute('href', start);
// replace(): this page stays out of the history, so Back from the provider does not land here.
location.replace(start);
