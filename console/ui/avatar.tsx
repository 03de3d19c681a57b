import { hueOf, initials } from '../lib/names.ts'

export function Avatar({ id, name, size = 'md' }: { id: string; name: string | null; size?: 'sm' | 'md' | 'lg' }) {
  const hue = hueOf(id)
  return (
    <span
      class={`avatar avatar-${size}`}
      style={{ background: `hsl(${hue} 70% 93%)`, color: `hsl(${hue} 45% 32%)` }}
      aria-hidden="true"
    >
      {name ? initials(name) : <PersonIcon />}
    </span>
  )
}

function PersonIcon() {
  return (
    <svg viewBox="0 0 20 20" width="55%" height="55%">
      <path fill="currentColor" d="M10 10a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm0 1.5c-3.6 0-7 1.8-7 4.5v1.5h14V16c0-2.7-3.4-4.5-7-4.5Z" />
    </svg>
  )
}
