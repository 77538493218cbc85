// Why each remaining class of disagreement between the model and the server exists,
// measured where it could be; docs/agreement.md prints these next to the class.
export interface Explanation {
  aspect: 'lock' | 'rewrite' | 'failure';
  match: RegExp;
  why: string;
}

export const EXPLANATIONS: Explanation[] = [];
