export function ProgressBar({ label, value, max, testId }: { label: string; value: number; max: number; testId?: string }) {
  return (
    <div className="progress" data-testid={testId}>
      <span>{label}</span>
      <progress value={value} max={max} />
    </div>
  );
}
