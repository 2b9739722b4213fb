/**
 * A URL with its userinfo (`user:password@`) taken out. Servers from before credentials
 * were refused in base URLs may have stored some, and the API must not return them. Every
 * stored base URL was parsed by the admin API before it was written, so this one parses.
 */
export function withoutUrlCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
