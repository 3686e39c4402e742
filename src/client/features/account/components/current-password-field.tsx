import { TextField } from '../../../components/ui/text-field';

/** The password of an existing account, marked so password managers offer to fill it. */
export function CurrentPasswordField({
  value,
  onChange,
  problem = null,
}: {
  value: string;
  onChange: (value: string) => void;
  /** A sentence tied to the field, e.g. when the form was sent without a password. */
  problem?: string | null;
}) {
  return (
    <TextField
      label="Password"
      type="password"
      name="password"
      autoComplete="current-password"
      required
      problem={problem}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
