import { useAuthenticate } from './authenticate';

export const useSignIn = () => useAuthenticate('/api/session');
