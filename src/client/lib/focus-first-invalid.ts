/**
 * After a refused submit, keyboard and screen-reader users land on the field that needs fixing rather than
 * having to search the form for it. Call it once the problems are rendered, so the field is read out with
 * its problem.
 */
export function focusFirstInvalid(form: HTMLFormElement): void {
  form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
