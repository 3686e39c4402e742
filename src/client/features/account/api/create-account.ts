import { useAuthenticate } from './authenticate';

export const useCreateAccount = () => useAuthenticate('/api/accounts');
