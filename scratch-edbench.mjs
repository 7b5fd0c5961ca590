import { ed448, x448 } from '@noble/curves/ed448.js';
import { ed25519ctx } from '@noble/curves/ed25519.js';
const t=(l,f)=>{const a=performance.now();const r=f();console.log(l,(performance.now()-a).toFixed(1),'ms');return r;};
const m=new Uint8Array(64);
const which=process.argv[2];
if(which==='448'){const k=new Uint8Array(57).fill(3);const p=t('ed448 getPublicKey cold',()=>ed448.getPublicKey(k));const s=t('ed448 sign',()=>ed448.sign(m,k,{context:new Uint8Array(3)}));t('ed448 verify',()=>ed448.verify(s,m,p,{context:new Uint8Array(3)}));t('ed448 verify 2',()=>ed448.verify(s,m,p,{context:new Uint8Array(3)}));}
if(which==='448v'){const k=new Uint8Array(57).fill(3);const p=ed448.getPublicKey(k);const s=ed448.sign(m,k,{context:new Uint8Array(3)});}
if(which==='25'){const k=new Uint8Array(32).fill(3);const p=t('ed25519 getPublicKey cold',()=>ed25519ctx.getPublicKey(k));const s=t('sign',()=>ed25519ctx.sign(m,k,{context:new Uint8Array(3)}));t('verify',()=>ed25519ctx.verify(s,m,p,{context:new Uint8Array(3)}));}
if(which==='x'){const k=new Uint8Array(56).fill(3);t('x448 getPublicKey cold',()=>x448.getPublicKey(k));t('x448 again',()=>x448.getPublicKey(k));}
