// Who is signed in (from /api/v1/auth/me), shared by the top bar and the login page.

import type { Me } from './api';

export const session: { me: Me | null } = { me: null };
