// natural's root module pulls in database clients; we import only these sub-modules, typed here.
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  const PorterStemmer: { stem(word: string): string };
  export = PorterStemmer;
}
declare module 'natural/lib/natural/distance/dice_coefficient' {
  function diceCoefficient(a: string, b: string): number;
  export = diceCoefficient;
}
