/** Light or dark: the user's choice, else the system's. */
const KEY = 'trueup.theme';
export type Theme = 'light' | 'dark';

export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme, save = false): void {
  document.documentElement.dataset.theme = theme;
  if (save) localStorage.setItem(KEY, theme);
}
applyTheme(initialTheme());
