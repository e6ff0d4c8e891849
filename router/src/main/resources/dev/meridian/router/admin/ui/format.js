// Numbers, times and durations as people read them.

export function percent(fraction, digits = 0) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) {
    return '–';
  }
  const value = fraction * 100;
  if (value > 0 && value < 1 && digits === 0) {
    return '<1%';
  }
  return `${value.toFixed(digits)}%`;
}

export function ms(value) {
  if (value === null || value === undefined) {
    return '–';
  }
  if (value >= 10000) {
    return `${(value / 1000).toFixed(0)} s`;
  }
  if (value >= 1000) {
    return `${(value / 1000).toFixed(1)} s`;
  }
  if (value >= 100) {
    return `${value.toFixed(0)} ms`;
  }
  return `${value.toFixed(value >= 10 ? 0 : 1)} ms`;
}

/** A span of time: "45 s", "3 min", "2 h 5 min". */
export function duration(millis) {
  const seconds = Math.max(0, Math.round(millis / 1000));
  if (seconds < 90) {
    return `${seconds} s`;
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** "12 s ago", "4 min ago", for an ISO instant. */
export function ago(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return '';
  }
  const millis = now - then;
  return millis < 2000 ? 'just now' : `${duration(millis)} ago`;
}

/** The local clock time of an ISO instant: "14:06:47". */
export function clock(iso) {
  const date = typeof iso === 'number' ? new Date(iso) : new Date(Date.parse(iso));
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return date.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false});
}

export function rate(perSecond) {
  if (!perSecond) {
    return '0/s';
  }
  return perSecond >= 100 ? `${perSecond.toFixed(0)}/s` : perSecond >= 10 ? `${perSecond.toFixed(1)}/s` : `${perSecond.toFixed(2)}/s`;
}

export function km(value) {
  if (value === null || value === undefined) {
    return '–';
  }
  return value >= 100 ? `${Math.round(value).toLocaleString('en')} km` : `${value.toFixed(1)} km`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
