const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "22 Nov 2026" in the reader's own locale. */
export function formatDate(ms: number): string {
  return dateFormat.format(ms);
}
