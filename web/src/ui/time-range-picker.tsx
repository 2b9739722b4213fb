import { isTimeRange, type TimeRange, timeRanges } from './time-range';

export function TimeRangePicker({
  value,
  onChange,
}: {
  readonly value: TimeRange;
  readonly onChange: (range: TimeRange) => void;
}) {
  return (
    <div className="picker">
      <label htmlFor="time-range">Period</label>
      <select
        id="time-range"
        value={value}
        onChange={(event) => {
          if (isTimeRange(event.target.value)) onChange(event.target.value);
        }}
      >
        {Object.entries(timeRanges).map(([key, range]) => (
          <option key={key} value={key}>
            {range.label}
          </option>
        ))}
      </select>
    </div>
  );
}
