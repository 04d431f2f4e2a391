// Plain JavaScript (no JSX, no TypeScript), so `next build` needs no @types/react; in a TypeScript
// app these are layout.tsx and page.tsx, unchanged but for the types.
import { createElement as h } from 'react';

export const metadata = { title: 'Horae in Next.js' };

// eslint-disable-next-line no-restricted-syntax -- Next.js takes the layout as the default export
export default function RootLayout({ children }) {
  return h('html', { lang: 'en' }, h('body', null, children));
}
