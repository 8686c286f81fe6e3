/** A file button that takes one zip (test id `testId`) and hands it on; picking the same file again works. */
export function ZipPicker({ label, testId, onPick }: { label: string; testId: string; onPick: (zip: File) => void }) {
  return (
    <label className="file-button">
      {label}
      <input
        data-testid={testId}
        type="file"
        accept=".zip,application/zip"
        onChange={(e) => {
          const zip = e.target.files?.[0];
          e.target.value = '';
          if (zip) onPick(zip);
        }}
      />
    </label>
  );
}
