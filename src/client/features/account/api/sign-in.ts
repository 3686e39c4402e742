import { useAuthenticate } from './authenticate';

export const useSignIn = () => useAuthenticate('sign-in');
